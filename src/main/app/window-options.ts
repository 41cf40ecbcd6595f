import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The main window's options, kept free of Electron imports so tests can assert them in plain Node.
 * The renderer is untrusted: isolated, sandboxed, no Node, and it only sees the preload's bridge.
 */
export function mainWindowOptions(preloadPath: string, bounds?: { width: number; height: number; x?: number; y?: number }): BrowserWindowConstructorOptions {
  return {
    width: bounds?.width ?? 1280,
    height: bounds?.height ?? 820,
    ...(bounds?.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#16171a',
    title: 'Kiln',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/**
 * The Content-Security-Policy for every response the window loads, and the one written into the
 * Electron build's index.html (electron.vite.config.ts). Only the app's own origin (app://kiln) and
 * previews: no 127.0.0.1, which only the browser host's build needs for its WebSocket.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // 'wasm-unsafe-eval' lets WebAssembly compile (the editor's preview workers run VTracer and
  // meshoptimizer); it allows no JavaScript eval. This policy reaches the workers' own responses too.
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: kiln-file:",
  // blob: for the editor's mesh preview, whose simplified GLB the viewer loads from an object URL.
  "connect-src 'self' blob: kiln-file:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export { IPC } from '../../shared/ipc';

/** Custom protocol for previews: kiln-file://item/<itemId>/<input|output>/<index>. */
export const FILE_PROTOCOL = 'kiln-file';
