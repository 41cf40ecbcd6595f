/**
 * The only bridge between the sandboxed renderer and the app: exactly the contract's KilnApi,
 * nothing else (no ipcRenderer, no Node). Payloads are validated again in the main process.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { CallName, EventName, KilnApi } from '../shared/contract';
import { IPC } from '../shared/ipc';


type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
ipcRenderer.on(IPC.event, (_event, name: string, payload: unknown) => {
  for (const listener of listeners.get(name) ?? []) listener(payload);
});
// The OS says the network is back: ask the engine to probe now rather than at its next interval.
window.addEventListener('online', () => ipcRenderer.send(IPC.online));

const api: KilnApi = {
  async call(name, input) {
    const result = (await ipcRenderer.invoke(IPC.call, name satisfies CallName, input)) as
      | { ok: true; value: unknown }
      | { ok: false; error: { code: string; message: string } };
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
    return result.value as never;
  },
  on(name, listener) {
    const set = listeners.get(name satisfies EventName) ?? new Set<Listener>();
    set.add(listener as Listener);
    listeners.set(name, set);
    return () => set.delete(listener as Listener);
  },
  fileUrl(itemId, which, index = 0) {
    return `kiln-file://item/${encodeURIComponent(itemId)}/${which}/${index}`;
  },
  pathForFile(file: File) {
    return webUtils.getPathForFile(file) || undefined;
  },
  startDrag(itemId) {
    ipcRenderer.send(IPC.startDrag, itemId);
  },
};

contextBridge.exposeInMainWorld('kiln', api);
