/**
 * Electron main process: a thin shell. It owns the window, the keychain, native dialogs and IPC;
 * everything else is the plain Node engine behind KilnService.
 */
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, net, Notification, protocol, session, shell } from 'electron';
import Store from 'electron-store';
import { KeychainCredentialStore } from './host/credentials';
import { KilnService } from './host/service';
import { defaultSettings, SettingsRepository } from './host/settings';
import { registerIpc } from './app/ipc';
import { desktopCapabilities } from './app/native';
import { resolvePreviewUrl } from './app/file-protocol';
import { hardenSession, hardenWebContents, isAppUrl } from './app/security';
import { FILE_PROTOCOL, IPC, mainWindowOptions } from './app/window-options';

const devServerUrl = process.env['ELECTRON_RENDERER_URL'];
let mainWindow: BrowserWindow | undefined;

protocol.registerSchemesAsPrivileged([{ scheme: FILE_PROTOCOL, privileges: { secure: true, standard: true, supportFetchAPI: true, stream: true } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, devServerUrl));

  const userData = app.getPath('userData');
  const store = new Store<Record<string, unknown>>({ name: 'settings', cwd: userData });
  const settings = new SettingsRepository(store, defaultSettings(join(app.getPath('documents'), 'Kiln Output')));
  const service = await KilnService.create({
    stateDir: userData,
    settings,
    credentials: new KeychainCredentialStore(),
    capabilities: desktopCapabilities({ window: () => mainWindow, dialog, shell, Notification }),
    version: app.getVersion(),
  });

  protocol.handle(FILE_PROTOCOL, (request) => {
    const target = resolvePreviewUrl(service.store, request.url);
    return target ? net.fetch(target) : new Response('not found', { status: 404 });
  });

  registerIpc({
    ipcMain,
    service,
    isTrustedSender: (event) => Boolean(event.senderFrame && isAppUrl(event.senderFrame.url, devServerUrl) && event.sender === mainWindow?.webContents),
    startDrag: (contents, itemId) => {
      const file = service.store.get(itemId)?.outputs[0];
      if (file) contents.startDrag({ file, icon: join(import.meta.dirname, '../../build/drag-icon.png') });
    },
    log: { warn: (message) => console.warn(`[kiln] ${message}`) },
  });
  service.on('event', (name, payload) => mainWindow?.webContents.send(IPC.event, name, payload));

  createWindow(settings);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(settings);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => void service.close());
}

function createWindow(settings: SettingsRepository): void {
  const win = new BrowserWindow(mainWindowOptions(join(import.meta.dirname, '../preload/index.cjs'), settings.window));
  mainWindow = win;
  if (settings.window?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  let saveTimer: NodeJS.Timeout | undefined;
  const remember = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      if (win.isDestroyed()) return;
      const b = win.getNormalBounds();
      settings.saveWindow({ width: b.width, height: b.height, x: b.x, y: b.y, maximized: win.isMaximized() });
    }, 500);
  };
  win.on('resize', remember);
  win.on('move', remember);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined;
  });
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(join(import.meta.dirname, '../renderer/index.html'));
}
