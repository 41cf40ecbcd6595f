/**
 * Electron main process: a thin shell. It owns the window, the keychain, native dialogs and IPC;
 * everything else is the plain Node engine behind KilnService.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, net, Notification, protocol, safeStorage, session, shell } from 'electron';
import Store from 'electron-store';
// electron-vite builds the local engines' worker as its own chunk and gives its path: the bundle
// never loads TypeScript (see src/main/engine/local/worker-location.ts).
import localWorkerPath from './engine/local/worker?modulePath';
// Copied into the bundle (build/ itself is not packaged).
import dragIcon from '../../build/drag-icon.png?asset';
import { useBuiltWorker } from './engine/local/worker-location';
import { KeychainCredentialStore } from './host/credentials';
import { FallbackCredentialStore } from './host/keystore';
import { KilnService } from './host/service';
import { defaultSettings, SettingsRepository } from './host/settings';
import { APP_INDEX_URL, APP_ORIGIN, APP_SCHEME, resolveAppFile } from './app/app-protocol';
import { registerIpc } from './app/ipc';
import { desktopCapabilities } from './app/native';
import { resolvePreviewUrl } from './app/file-protocol';
import { SafeStorageCredentialStore } from './app/safe-storage-store';
import { hardenSession, hardenWebContents, isTrustedFrame } from './app/security';
import { FILE_PROTOCOL, IPC, mainWindowOptions } from './app/window-options';

useBuiltWorker(localWorkerPath);

// The dev server is only ever trusted in a development run, never in the packaged app.
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const rendererDir = join(import.meta.dirname, '../renderer');
let mainWindow: BrowserWindow | undefined;

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  // Previews are fetched from app://kiln (another origin), by the page and its thumbnail worker.
  { scheme: FILE_PROTOCOL, privileges: { secure: true, standard: true, supportFetchAPI: true, stream: true, corsEnabled: true } },
]);

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

  protocol.handle(APP_SCHEME, (request) => {
    const file = resolveAppFile(rendererDir, request.url);
    return file ? net.fetch(pathToFileURL(file).href) : new Response('not found', { status: 404 });
  });

  const userData = app.getPath('userData');
  const store = new Store<Record<string, unknown>>({ name: 'settings', cwd: userData });
  const settings = new SettingsRepository(store, defaultSettings(join(app.getPath('documents'), 'Kiln Output')));
  // The OS keychain first; where none answers, the pair is encrypted with safeStorage in userData.
  const credentials = new FallbackCredentialStore(new KeychainCredentialStore(), new SafeStorageCredentialStore(join(userData, 'scenario-key.bin'), safeStorage));
  const service = await KilnService.create({
    stateDir: userData,
    settings,
    credentials,
    capabilities: desktopCapabilities({ window: () => mainWindow, dialog, shell, Notification }),
    version: app.getVersion(),
  });

  const appOrigin = devServerUrl ? new URL(devServerUrl).origin : APP_ORIGIN;
  protocol.handle(FILE_PROTOCOL, async (request) => {
    const target = resolvePreviewUrl(service, request.url);
    if (!target) return new Response('not found', { status: 404 });
    const file = await net.fetch(target);
    // Readable by the app's own origin only.
    const headers = new Headers(file.headers);
    headers.set('Access-Control-Allow-Origin', appOrigin);
    return new Response(file.body, { status: file.status, headers });
  });

  registerIpc({
    ipcMain,
    service,
    isTrustedSender: (event) => event.sender === mainWindow?.webContents && isTrustedFrame(event.senderFrame, devServerUrl),
    startDrag: (contents, itemId) => {
      const file = service.itemFile(itemId, 'output');
      if (file) contents.startDrag({ file, icon: dragIcon });
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
  void win.loadURL(devServerUrl ?? APP_INDEX_URL);
}
