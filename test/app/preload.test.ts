import { describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn();
const send = vi.fn();
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: { invoke: (...args: unknown[]) => invoke(...args), send: (...args: unknown[]) => send(...args), on: vi.fn() },
  webUtils: { getPathForFile: () => '/dropped/file.png' },
}));
vi.stubGlobal('window', { addEventListener: vi.fn() });

describe('the preload bridge', () => {
  it('exposes exactly the contract functions as window.kiln, nothing else', async () => {
    await import('../../src/preload/index');
    expect(Object.keys(exposed)).toEqual(['kiln']);
    expect(Object.keys(exposed['kiln'] as object).sort()).toEqual(['call', 'fileUrl', 'on', 'pathForFile', 'startDrag']);
  });

  it('turns a refused call into an error carrying the code and message', async () => {
    const api = exposed['kiln'] as { call: (n: string, i: unknown) => Promise<unknown> };
    invoke.mockResolvedValueOnce({ ok: false, error: { code: 'invalid-input', message: 'bad input' } });
    await expect(api.call('queues.create', {})).rejects.toMatchObject({ message: 'bad input', code: 'invalid-input' });
    invoke.mockResolvedValueOnce({ ok: true, value: [1] });
    await expect(api.call('queues.list', {})).resolves.toEqual([1]);
  });

  it('builds preview URLs on the kiln-file protocol, by item id only', () => {
    const api = exposed['kiln'] as { fileUrl: (id: string, w: string, i?: number) => string };
    expect(api.fileUrl('a/b', 'output', 1)).toBe('kiln-file://item/a%2Fb/output/1');
  });
});
