import type { BrowserWindow, Dialog, Shell } from 'electron';
import type { HostCapabilities } from '../host/capabilities';

interface NotificationCtor {
  new (options: { title: string; body: string; silent?: boolean }): {
    show(): void;
    /** Since Electron 42, macOS shows notifications only for a signed app; an unsigned one gets 'failed'. */
    on?(event: 'failed', listener: (event: unknown, error: string) => void): unknown;
  };
  isSupported(): boolean;
}

/** What only the desktop can do, given Electron's modules (passed in so tests can supply doubles). */
export function desktopCapabilities(deps: {
  window: () => BrowserWindow | undefined;
  dialog: Pick<Dialog, 'showOpenDialog'>;
  shell: Pick<Shell, 'showItemInFolder' | 'openPath'>;
  Notification: NotificationCtor;
}): HostCapabilities {
  return {
    kind: 'electron',
    async reveal(path) {
      deps.shell.showItemInFolder(path);
    },
    async open(path) {
      const error = await deps.shell.openPath(path);
      if (error) throw new Error(`could not open ${path}: ${error}`);
    },
    async chooseFolder(title) {
      const win = deps.window();
      const options = { title: title ?? 'Choose a folder', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
      const result = win ? await deps.dialog.showOpenDialog(win, options) : await deps.dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    notify(title, body) {
      if (!deps.Notification.isSupported()) return;
      const notification = new deps.Notification({ title, body });
      notification.on?.('failed', (_event, error) => console.warn(`[kiln] the system did not show a notification: ${error}`));
      notification.show();
    },
    setProgress(fraction) {
      deps.window()?.setProgressBar(fraction);
    },
  };
}
