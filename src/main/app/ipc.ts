import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { z } from 'zod';
import type { KilnService } from '../host/service';
import { IPC } from './window-options';

export interface IpcLog {
  warn(message: string): void;
}

const dragRequest = z.string().min(1).max(128);

/**
 * Serves the contract over IPC. Only the app's own window may call; every payload is validated by
 * the service against the contract's schemas, and a malformed call is refused and logged, never acted on.
 */
export function registerIpc(options: {
  ipcMain: IpcMain;
  service: KilnService;
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
  startDrag: (contents: WebContents, itemId: string) => void;
  log: IpcLog;
}): () => void {
  const { ipcMain, service, log } = options;
  ipcMain.handle(IPC.call, async (event, name: unknown, input: unknown) => {
    if (!options.isTrustedSender(event)) {
      log.warn(`refused an IPC call from an untrusted frame: ${event.senderFrame?.url ?? 'unknown'}`);
      return { ok: false, error: { code: 'unsupported', message: 'not allowed' } };
    }
    if (typeof name !== 'string') {
      log.warn('refused an IPC call without a name');
      return { ok: false, error: { code: 'invalid-input', message: 'a call needs a name' } };
    }
    const result = await service.handle(name, input);
    // Names and codes only: payloads may hold paths, and nothing secret ever goes to a log.
    if (!result.ok && result.error.code === 'invalid-input') log.warn(`refused invalid call ${name}: ${result.error.message}`);
    return result;
  });
  const onDrag = (event: Electron.IpcMainEvent, itemId: unknown) => {
    const parsed = dragRequest.safeParse(itemId);
    if (!parsed.success || !options.isTrustedSender(event as unknown as IpcMainInvokeEvent)) return;
    options.startDrag(event.sender, parsed.data);
  };
  const onOnline = () => service.networkMayBeBack();
  ipcMain.on(IPC.startDrag, onDrag);
  ipcMain.on(IPC.online, onOnline);
  return () => {
    ipcMain.removeHandler(IPC.call);
    ipcMain.removeListener(IPC.startDrag, onDrag);
    ipcMain.removeListener(IPC.online, onOnline);
  };
}
