import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { registerIpc } from '../../src/main/app/ipc';
import { desktopCapabilities } from '../../src/main/app/native';
import { APP_INDEX_URL, resolveAppFile } from '../../src/main/app/app-protocol';
import { hardenSession, hardenWebContents, isAppUrl, isTrustedFrame } from '../../src/main/app/security';
import { CONTENT_SECURITY_POLICY, IPC, mainWindowOptions } from '../../src/main/app/window-options';
import type { KilnService } from '../../src/main/host/service';

// Only Electron's binary is missing here; these modules take Electron objects as parameters, so
// the doubles below stand in for exactly the objects Electron would pass.

describe('main window options', () => {
  it('isolate and sandbox the renderer, with no Node and no webviews', () => {
    const options = mainWindowOptions('/app/preload/index.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
  });

  it('restore the remembered size and position', () => {
    expect(mainWindowOptions('p', { width: 1500, height: 900, x: 10, y: 20 })).toMatchObject({ width: 1500, height: 900, x: 10, y: 20 });
  });

  it('come with a strict Content-Security-Policy', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    // WebAssembly may compile (the preview workers), JavaScript may not be evaluated.
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/'unsafe-eval'/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe-inline/);
    // The loopback addresses are for the browser host's build only.
    expect(CONTENT_SECURITY_POLICY).not.toContain('127.0.0.1');
  });
});

describe('session and web contents hardening', () => {
  it('denies every permission request and check, and sets the CSP header on responses', () => {
    let requestHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | undefined;
    let checkHandler: (() => boolean) | undefined;
    let headersHook: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | undefined;
    const session = {
      setPermissionRequestHandler: (h: typeof requestHandler) => (requestHandler = h),
      setPermissionCheckHandler: (h: typeof checkHandler) => (checkHandler = h),
      webRequest: { onHeadersReceived: (h: typeof headersHook) => (headersHook = h) },
    };
    hardenSession(session as never);
    const answer = vi.fn();
    requestHandler?.({}, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
    expect(checkHandler?.()).toBe(false);
    const done = vi.fn();
    headersHook?.({ responseHeaders: { 'x-a': ['1'] } }, done);
    expect(done).toHaveBeenCalledWith({ responseHeaders: { 'x-a': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });

  it('blocks navigation away from the app, redirects, webviews and new windows', () => {
    const contents = Object.assign(new EventEmitter(), {
      getURL: () => APP_INDEX_URL,
      setWindowOpenHandler: vi.fn(),
    });
    hardenWebContents(contents as never, undefined);
    const navigate = { preventDefault: vi.fn() };
    contents.emit('will-navigate', navigate, 'https://evil.example/');
    expect(navigate.preventDefault).toHaveBeenCalled();
    const redirect = { preventDefault: vi.fn() };
    contents.emit('will-redirect', redirect, 'file:///elsewhere');
    expect(redirect.preventDefault).toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    const openHandler = contents.setWindowOpenHandler.mock.calls[0]?.[0] as () => { action: string };
    expect(openHandler()).toEqual({ action: 'deny' });
  });

  it('lets no frame navigate anywhere: subframes never, the main frame only within its own page', () => {
    const contents = Object.assign(new EventEmitter(), { getURL: () => APP_INDEX_URL, setWindowOpenHandler: vi.fn() });
    hardenWebContents(contents as never, undefined);
    const attempt = (details: { url: string; isMainFrame: boolean; isSameDocument: boolean }) => {
      const event = { ...details, preventDefault: vi.fn() };
      contents.emit('will-frame-navigate', event);
      return event.preventDefault.mock.calls.length > 0 ? 'blocked' : 'allowed';
    };
    expect(attempt({ url: 'https://evil.example/', isMainFrame: false, isSameDocument: false })).toBe('blocked');
    expect(attempt({ url: APP_INDEX_URL, isMainFrame: false, isSameDocument: false })).toBe('blocked');
    expect(attempt({ url: 'file:///etc/passwd', isMainFrame: true, isSameDocument: false })).toBe('blocked');
    expect(attempt({ url: 'app://kiln/other.html', isMainFrame: true, isSameDocument: false })).toBe('blocked');
    expect(attempt({ url: `${APP_INDEX_URL}#settings`, isMainFrame: true, isSameDocument: true })).toBe('allowed');
  });

  it('treats only app://kiln, or in development the exact dev-server origin, as the app — never file://', () => {
    expect(isAppUrl(APP_INDEX_URL, undefined)).toBe(true);
    expect(isAppUrl('app://kiln/assets/index.js', undefined)).toBe(true);
    expect(isAppUrl('file:///app/index.html', undefined)).toBe(false);
    expect(isAppUrl('app://other/index.html', undefined)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:51730/', 'http://localhost:5173')).toBe(false);
    expect(isAppUrl('http://localhost:5173/', undefined)).toBe(false);
    expect(isAppUrl('https://example.com', 'http://localhost:5173')).toBe(false);
    expect(isAppUrl('not a url', undefined)).toBe(false);
  });

  it('trusts IPC only from the app\'s top-level frame, never from a subframe showing the same page', () => {
    expect(isTrustedFrame({ url: APP_INDEX_URL, parent: null }, undefined)).toBe(true);
    expect(isTrustedFrame({ url: APP_INDEX_URL, parent: {} }, undefined)).toBe(false);
    expect(isTrustedFrame({ url: 'file:///app/index.html', parent: null }, undefined)).toBe(false);
    expect(isTrustedFrame(null, undefined)).toBe(false);
  });
});

describe('the app:// protocol', () => {
  it('serves files of the built renderer folder and nothing outside it', () => {
    expect(resolveAppFile('/app/out/renderer', APP_INDEX_URL)).toBe('/app/out/renderer/index.html');
    expect(resolveAppFile('/app/out/renderer', 'app://kiln/')).toBe('/app/out/renderer/index.html');
    expect(resolveAppFile('/app/out/renderer', 'app://kiln/assets/index-1.js?x=1#y')).toBe('/app/out/renderer/assets/index-1.js');
    // Dot segments are resolved by the URL parser first, so they stay within the folder.
    expect(resolveAppFile('/app/out/renderer', 'app://kiln/%2e%2e/main/index.js')).toBe('/app/out/renderer/main/index.js');
    expect(resolveAppFile('/app/out/renderer', 'app://kiln/..%2f..%2fpackage.json')).toBeUndefined();
    expect(resolveAppFile('/app/out/renderer', 'app://kiln/a%00.js')).toBeUndefined();
    expect(resolveAppFile('/app/out/renderer', 'app://elsewhere/index.html')).toBeUndefined();
    expect(resolveAppFile('/app/out/renderer', 'file:///app/out/renderer/index.html')).toBeUndefined();
  });
});

describe('IPC', () => {
  function setup(trusted = true) {
    const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
    const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
    const ipcMain = {
      handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) => handlers.set(channel, fn),
      on: (channel: string, fn: (event: unknown, ...args: unknown[]) => void) => listeners.set(channel, fn),
      removeHandler: (channel: string) => handlers.delete(channel),
      removeListener: (channel: string) => listeners.delete(channel),
    };
    const service = {
      handle: vi.fn(async (name: string) =>
        name === 'queues.list' ? { ok: true, value: [] } : { ok: false, error: { code: 'invalid-input', message: `${name}: bad` } },
      ),
      networkMayBeBack: vi.fn(),
    };
    const warn = vi.fn();
    const startDrag = vi.fn();
    const unregister = registerIpc({
      ipcMain: ipcMain as never,
      service: service as unknown as KilnService,
      isTrustedSender: () => trusted,
      startDrag,
      log: { warn },
    });
    return { handlers, listeners, service, warn, startDrag, unregister };
  }

  it('passes calls from the app window to the handler table', async () => {
    const { handlers, service } = setup();
    await expect(handlers.get(IPC.call)?.({ senderFrame: { url: 'file:///x' } }, 'queues.list', {})).resolves.toEqual({ ok: true, value: [] });
    expect(service.handle).toHaveBeenCalledWith('queues.list', {});
  });

  it('refuses and logs calls from any other frame without acting on them', async () => {
    const { handlers, service, warn } = setup(false);
    const result = await handlers.get(IPC.call)?.({ senderFrame: { url: 'https://evil.example' } }, 'items.remove', { ids: ['a'] });
    expect(result).toEqual({ ok: false, error: { code: 'unsupported', message: 'not allowed' } });
    expect(service.handle).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('untrusted frame: https://evil.example'));
  });

  it('logs invalid calls by name only, never their payload', async () => {
    const { handlers, warn } = setup();
    await handlers.get(IPC.call)?.({}, 'credentials.set', { apiKey: 'k', apiSecret: 'TOPSECRET', extra: 1 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('credentials.set');
    expect(warn.mock.calls[0]?.[0]).not.toContain('TOPSECRET');
  });

  it('starts a drag only for a well-formed item id, and forwards the online hint', () => {
    const { listeners, startDrag, service } = setup();
    listeners.get(IPC.startDrag)?.({ sender: 'wc' }, 42);
    expect(startDrag).not.toHaveBeenCalled();
    listeners.get(IPC.startDrag)?.({ sender: 'wc' }, 'item-1');
    expect(startDrag).toHaveBeenCalledWith('wc', 'item-1');
    listeners.get(IPC.online)?.({});
    expect(service.networkMayBeBack).toHaveBeenCalled();
  });

  it('can be unregistered', () => {
    const { handlers, listeners, unregister } = setup();
    unregister();
    expect(handlers.size).toBe(0);
    expect(listeners.size).toBe(0);
  });
});

describe('desktop capabilities', () => {
  it('reveal, open, choose a folder, notify and show dock progress through Electron', async () => {
    const win = { setProgressBar: vi.fn() };
    const shell = { showItemInFolder: vi.fn(), openPath: vi.fn(async () => '') };
    const dialog = { showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: ['/art/out'] })) };
    const shown = vi.fn();
    class FakeNotification {
      static isSupported = () => true;
      constructor(readonly options: { title: string; body: string }) {}
      show() {
        shown(this.options);
      }
    }
    const caps = desktopCapabilities({ window: () => win as never, dialog: dialog as never, shell: shell as never, Notification: FakeNotification });
    expect(caps.kind).toBe('electron');
    await caps.reveal?.('/art/out/a.svg');
    expect(shell.showItemInFolder).toHaveBeenCalledWith('/art/out/a.svg');
    await caps.open?.('/art/out/a.svg');
    expect(shell.openPath).toHaveBeenCalledWith('/art/out/a.svg');
    await expect(caps.chooseFolder?.('Output')).resolves.toBe('/art/out');
    caps.notify?.('Logos finished', '3 done');
    expect(shown).toHaveBeenCalledWith({ title: 'Logos finished', body: '3 done' });
    caps.setProgress?.(0.5);
    expect(win.setProgressBar).toHaveBeenCalledWith(0.5);
  });

  it('report a file the OS cannot open', async () => {
    const caps = desktopCapabilities({
      window: () => undefined,
      dialog: { showOpenDialog: vi.fn() } as never,
      shell: { showItemInFolder: vi.fn(), openPath: async () => 'no application' } as never,
      Notification: Object.assign(class {}, { isSupported: () => false }) as never,
    });
    await expect(caps.open?.('/x.glb')).rejects.toThrow('could not open /x.glb: no application');
  });
});
