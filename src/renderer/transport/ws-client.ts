import type { CallInput, CallName, CallOutput, EventName, EventPayload, KilnApi } from '../../shared/contract';
import type { ClientMessage } from '../../shared/wire';
import { EventHub } from './emitter';
import { KilnCallError } from './errors';
import { fileUrl } from './files';
import { serverMessageSchema as serverMessage } from '../../shared/wire';
import { uploadFiles, type UploadEntry, type UploadOptions } from './upload';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** What the WebSocket transport offers beyond the contract: connection state for the UI. */
export interface ConnectionAware {
  connectionState(): ConnectionState;
  /** Called after every state change; 'open' after a reconnect is the cue to re-fetch state. */
  onConnectionChange(listener: (state: ConnectionState, reconnected: boolean) => void): () => void;
}

export function isConnectionAware(api: KilnApi): api is KilnApi & ConnectionAware {
  return typeof (api as Partial<ConnectionAware>).onConnectionChange === 'function';
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface WsClientOptions {
  url: string;
  /** Delay before reconnect attempt n (0-based). */
  backoff?: (attempt: number) => number;
  WebSocketImpl?: typeof WebSocket;
}

const defaultBackoff = (attempt: number) => Math.min(10_000, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.5);

/**
 * KilnApi over the web host's /ws. Calls made while disconnected wait for the socket; calls in
 * flight when it drops are rejected, because the host forgets them and a silent retry could
 * repeat a non-idempotent call like items.addPaths.
 */
export class WsClient implements KilnApi, ConnectionAware {
  private socket: WebSocket | undefined;
  private state: ConnectionState = 'connecting';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly outbox: ClientMessage[] = [];
  private readonly hub = new EventHub();
  private readonly stateListeners = new Set<(state: ConnectionState, reconnected: boolean) => void>();
  private attempt = 0;
  private everOpened = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly backoff: (attempt: number) => number;
  private readonly WS: typeof WebSocket;

  constructor(private readonly options: WsClientOptions) {
    this.backoff = options.backoff ?? defaultBackoff;
    this.WS = options.WebSocketImpl ?? WebSocket;
    this.connect();
  }

  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    const id = this.nextId++;
    const message: ClientMessage = { type: 'call', id, name, input };
    return new Promise<CallOutput<N>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.state === 'open' && this.socket) this.socket.send(JSON.stringify(message));
      else this.outbox.push(message);
    });
  }

  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
    return this.hub.on(name, listener);
  }

  fileUrl(itemId: string, which: 'input' | 'output', index?: number): string {
    return fileUrl(itemId, which, index);
  }

  uploadFiles(queueId: string, files: ReadonlyArray<UploadEntry>, options?: UploadOptions) {
    return uploadFiles(queueId, files, options);
  }

  connectionState(): ConnectionState {
    return this.state;
  }

  onConnectionChange(listener: (state: ConnectionState, reconnected: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.socket?.close();
    this.failPending('The connection to Kiln was closed');
  }

  private setState(state: ConnectionState, reconnected = false): void {
    this.state = state;
    for (const l of [...this.stateListeners]) l(state, reconnected);
  }

  private connect(): void {
    if (this.disposed) return;
    const socket = new this.WS(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setState('open', reconnected);
      for (const message of this.outbox.splice(0)) socket.send(JSON.stringify(message));
    };
    socket.onmessage = (ev: MessageEvent) => this.receive(ev.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.failPending('The connection to Kiln was lost; try again');
      this.setState('closed');
      if (!this.disposed) this.timer = setTimeout(() => this.connect(), this.backoff(this.attempt++));
    };
    // onclose follows every error, and that is where reconnecting happens.
    socket.onerror = () => undefined;
  }

  private failPending(message: string): void {
    for (const [id, p] of this.pending) {
      if (this.outbox.some((m) => m.id === id)) continue;
      this.pending.delete(id);
      p.reject(new KilnCallError({ code: 'failed', message }));
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      console.warn('kiln: ignoring a message that is not JSON');
      return;
    }
    const parsed = serverMessage.safeParse(json);
    if (!parsed.success) {
      console.warn('kiln: ignoring a malformed message', parsed.error.issues[0]?.message);
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'event') {
      if (!this.hub.emit(msg.name, msg.payload)) console.warn(`kiln: ignoring invalid event ${msg.name}`);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new KilnCallError(msg.error));
  }
}
