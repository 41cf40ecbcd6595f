import type { Session, WebContents } from 'electron';
import { APP_ORIGIN } from './app-protocol';
import { CONTENT_SECURITY_POLICY } from './window-options';

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    // A custom scheme has the opaque origin "null"; its scheme and host name it as well.
    return parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether a URL is the app's own renderer: app://kiln, or the dev server's exact origin during
 * `electron-vite dev`. Never file:// (any local file would pass) and never a prefix match.
 */
export function isAppUrl(url: string, devServerUrl: string | undefined): boolean {
  const origin = originOf(url);
  if (!origin) return false;
  if (origin === APP_ORIGIN) return true;
  return devServerUrl !== undefined && origin === originOf(devServerUrl);
}

/** The frame an IPC message came from, as Electron describes it (`event.senderFrame`). */
export interface SenderFrame {
  url: string;
  /** null for a top-level frame; subframes are never trusted, whatever they load. */
  parent: unknown;
}

/** Only the app's own top-level document may call the contract. */
export function isTrustedFrame(frame: SenderFrame | null | undefined, devServerUrl: string | undefined): boolean {
  return Boolean(frame && frame.parent === null && isAppUrl(frame.url, devServerUrl));
}

/**
 * Locks the session and the window down: no permissions (camera, notifications from pages, …),
 * no navigation away from the app, no new windows, and a CSP on every response.
 */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

export function hardenWebContents(contents: WebContents, devServerUrl: string | undefined): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, devServerUrl) || url !== contents.getURL()) event.preventDefault();
  });
  // Any frame, main or sub: the app has no frames of its own, so none may navigate anywhere.
  contents.on('will-frame-navigate', (details) => {
    const ownPage = details.isSameDocument || details.url === contents.getURL();
    if (!details.isMainFrame || !isAppUrl(details.url, devServerUrl) || !ownPage) details.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
