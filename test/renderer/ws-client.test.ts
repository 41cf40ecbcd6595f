import { afterEach, describe, expect, it, vi } from 'vitest';
import { WsClient } from '../../src/renderer/transport/ws-client';
import { KilnCallError } from '../../src/renderer/transport/errors';

/** Just enough of a browser WebSocket for the client: tests drive open, messages and close. */
class FakeSocket {
  static all: FakeSocket[] = [];
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) { FakeSocket.all.push(this); }
  send(data: string) { this.sent.push(JSON.parse(data)); }
  close() { this.onclose?.(); }
  open() { this.onopen?.(); }
  receive(msg: unknown) { this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) }); }
}

function client() {
  FakeSocket.all = [];
  const c = new WsClient({ url: 'ws://127.0.0.1:1/ws', backoff: () => 10, WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
  return { c, socket: () => FakeSocket.all[FakeSocket.all.length - 1] as FakeSocket };
}

afterEach(() => vi.useRealTimers());

describe('WsClient', () => {
  it('sends calls with increasing ids once open and resolves results by id', async () => {
    const { c, socket } = client();
    const a = c.call('queues.list', {});
    const b = c.call('settings.get', {});
    expect(socket().sent).toEqual([]);
    socket().open();
    expect(socket().sent).toEqual([
      { type: 'call', id: 1, name: 'queues.list', input: {} },
      { type: 'call', id: 2, name: 'settings.get', input: {} },
    ]);
    socket().receive({ type: 'result', id: 2, ok: true, value: { apiUrl: 'https://x.test', concurrency: 2, defaultOutputDir: '/o' } });
    socket().receive({ type: 'result', id: 1, ok: false, error: { code: 'failed', message: 'disk full' } });
    await expect(b).resolves.toEqual({ apiUrl: 'https://x.test', concurrency: 2, defaultOutputDir: '/o' });
    await expect(a).rejects.toEqual(expect.objectContaining({ code: 'failed', message: 'disk full' }));
    c.dispose();
  });

  it('dispatches valid events and drops malformed messages and payloads', () => {
    const { c, socket } = client();
    socket().open();
    const seen: unknown[] = [];
    c.on('connectivity', (p) => seen.push(p));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    socket().receive('not json');
    socket().receive({ type: 'event', name: 'connectivity', payload: { online: 'nope' } });
    socket().receive({ type: 'surprise' });
    socket().receive({ type: 'event', name: 'connectivity', payload: { online: false, waiting: 3, reason: 'dns' } });
    expect(seen).toEqual([{ online: false, waiting: 3, reason: 'dns' }]);
    expect(warn).toHaveBeenCalledTimes(3);
    warn.mockRestore();
    c.dispose();
  });

  it('rejects calls in flight when the socket drops, reconnects with backoff and reports it', async () => {
    vi.useFakeTimers();
    const { c, socket } = client();
    const states: Array<[string, boolean]> = [];
    c.onConnectionChange((s, reconnected) => states.push([s, reconnected]));
    socket().open();
    const lost = c.call('queues.list', {});
    const first = socket();
    first.close();
    await expect(lost).rejects.toBeInstanceOf(KilnCallError);
    const waiting = c.call('queues.stats', {});
    vi.advanceTimersByTime(20);
    expect(FakeSocket.all).toHaveLength(2);
    socket().open();
    expect(states).toEqual([['open', false], ['closed', false], ['open', true]]);
    expect(socket().sent).toEqual([{ type: 'call', id: 2, name: 'queues.stats', input: {} }]);
    socket().receive({ type: 'result', id: 2, ok: true, value: [] });
    await expect(waiting).resolves.toEqual([]);
    c.dispose();
  });

  it('serves preview files from the web host', () => {
    const { c } = client();
    expect(c.fileUrl('it 1', 'output', 2)).toBe('/files/it%201/output/2');
    expect(c.fileUrl('a', 'input')).toBe('/files/a/input/0');
    c.dispose();
  });
});
