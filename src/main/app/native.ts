import type { BrowserWindow, Dialog, Shell } from 'electron';
import type { HostCapabilities } from '../host/service';

interface NotificationCtor {
  new (options: { title: string; body: string; silent?: boolean }): { show(): void };
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
      if (deps.Notification.isSupported()) new deps.Notification({ title, body }).show();
    },
    setProgress(fraction) {
      deps.window()?.setProgressBar(fraction);
    },
  };
}
