import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { apiHandlers, type Context } from './api';
import { createRng, durationDrawer, FaultInjector } from './faults';
import { PORTAL_HTML, sendError, sendText } from './http';
import { syntheticAsset } from './outputs';
import { matchRoute } from './routes';
import { Signer } from './signing';
import { FakeState } from './state';
import { download, putPart } from './storage';
import { ROUTE_NAMES, type FakeScenario, type FakeScenarioOptions, type Faults, type GenerateRecord, type RequestToHold, type RouteName } from './types';

const DEFAULTS = {
  port: 0,
  apiKey: 'test-key',
  apiSecret: 'test-secret',
  jobDurationMs: 1500,
  maxUploadBytes: 1024 * 1024 * 1024,
  uploadStepMs: 100,
  seed: 1,
};

function zeroCounts(): Record<RouteName, number> {
  return Object.fromEntries(ROUTE_NAMES.map((name) => [name, 0])) as Record<RouteName, number>;
}

interface HeldRequest {
  request: RequestToHold;
  socket: Socket;
  /** Lets the request go on (it is acted on unless its connection has closed meanwhile). */
  resume(): void;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class FakeScenarioServer implements FakeScenario {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly events = new EventEmitter();
  private readonly state: FakeState;
  private readonly faults: FaultInjector;
  private readonly ctx: Context;
  private readonly expectedAuth: string;
  private requestCounts = zeroCounts();
  private refusals = 0;
  private partsOnWire = 0;
  private peakParts = 0;
  private boundPort: number;
  private listening = false;
  private closed = false;
  private holdRule: ((request: RequestToHold) => boolean) | undefined;
  private readonly held = new Set<HeldRequest>();
  private handling = zeroCounts();

  constructor(options: FakeScenarioOptions = {}) {
    const apiKey = options.apiKey ?? DEFAULTS.apiKey;
    const apiSecret = options.apiSecret ?? DEFAULTS.apiSecret;
    this.expectedAuth = `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;
    this.boundPort = options.port ?? DEFAULTS.port;
    const seed = options.seed ?? DEFAULTS.seed;
    // Job times draw from their own sequence, so fault sequences stay what they were for a seed.
    const durations = options.jobDurations ?? { kind: 'fixed', ms: options.jobDurationMs ?? DEFAULTS.jobDurationMs };
    this.state = new FakeState(durationDrawer(durations, createRng(seed ^ 0x5eed)), options.uploadStepMs ?? DEFAULTS.uploadStepMs);
    this.faults = new FaultInjector(options.faults, seed);
    this.ctx = {
      state: this.state,
      signer: new Signer(),
      faults: this.faults,
      maxUploadBytes: options.maxUploadBytes ?? DEFAULTS.maxUploadBytes,
      refusedForTeamLimit: () => {
        this.refusals++;
      },
      origin: () => `http://127.0.0.1:${this.boundPort}`,
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendError(res, 500, `fake server bug: ${err instanceof Error ? err.message : String(err)}`);
        else res.destroy();
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // The benchmark opens many keep-alive connections; a tight idle timeout would look like a flaky network.
    this.server.keepAliveTimeout = 30_000;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}/v1`;
  }

  get port(): number {
    return this.boundPort;
  }

  get counts(): Record<RouteName, number> {
    return { ...this.requestCounts };
  }

  get generates(): GenerateRecord[] {
    return [...this.state.generates];
  }

  setFaults(faults: Partial<Faults>): void {
    this.faults.set(faults);
  }

  resetCounts(): void {
    this.requestCounts = zeroCounts();
    this.refusals = 0;
    this.peakParts = 0;
  }

  get peakPartUploads(): number {
    return this.peakParts;
  }

  get teamLimitRefusals(): number {
    return this.refusals;
  }

  forget(id: string): boolean {
    return this.state.forget(id);
  }

  jobsAwaitingFirstPoll(): number {
    return this.state.jobsAwaitingFirstPoll();
  }

  addSyntheticAsset(options: { bytes: number; kind: 'svg' | 'glb' }): string {
    const content = syntheticAsset(options.kind, options.bytes);
    const asset = this.state.addAsset({
      name: `synthetic.${options.kind}`,
      mimeType: content.mimeType,
      kind: options.kind === 'svg' ? 'vector' : '3d',
      source: { type: 'synthetic', content },
    });
    return asset.id;
  }

  holdRequests(rule: ((request: RequestToHold) => boolean) | undefined): void {
    this.holdRule = rule;
    for (const h of this.held) if (!rule?.(h.request)) h.resume();
  }

  dropHeld(): number {
    const dropped = this.held.size;
    for (const h of this.held) {
      h.socket.destroy();
      h.resume();
    }
    return dropped;
  }

  handlingRequests(route: RouteName): number {
    return this.handling[route];
  }

  heldRequests(route: RouteName): number {
    let n = 0;
    for (const h of this.held) if (h.request.route === route) n++;
    return n;
  }

  /** Waits while the hold rule picks this request; false when its connection closed meanwhile. */
  private async passHold(route: RouteName, params: string[], socket: Socket): Promise<boolean> {
    if (!this.holdRule) return true;
    const request: RequestToHold = { route, firstPoll: route === 'job-get' && this.state.jobs.get(params[0] ?? '')?.polled === false };
    if (!this.holdRule(request)) return true;
    await new Promise<void>((resolve) => {
      const h: HeldRequest = {
        request,
        socket,
        resume: () => {
          this.held.delete(h);
          socket.off('close', h.resume);
          resolve();
        },
      };
      this.held.add(h);
      socket.once('close', h.resume);
    });
    return !socket.destroyed;
  }

  on(event: 'request', listener: (route: RouteName, method: string, path: string, query: URLSearchParams) => void): void {
    this.events.on(event, listener);
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('fake Scenario server is closed');
    if (this.listening) return;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.boundPort, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    this.listening = true;
  }

  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Keep-alive and mid-download sockets too: clients must see the loss at once, not at their next idle timeout.
    this.server.closeAllConnections();
    this.dropHeld();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
    this.events.removeAllListeners();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = matchRoute(method, url.pathname);
    this.requestCounts[route.name]++;
    this.events.emit('request', route.name, method, url.pathname, url.searchParams);
    if (!(await this.passHold(route.name, route.params, req.socket))) return;
    this.handling[route.name]++;
    res.once('close', () => this.handling[route.name]--);
    if (route.name === 'upload-part') {
      this.partsOnWire++;
      this.peakParts = Math.max(this.peakParts, this.partsOnWire);
      res.once('close', () => this.partsOnWire--);
    }

    const { slowMs } = this.faults.faults;
    if (slowMs > 0) {
      await delay(slowMs);
      if (req.socket.destroyed) return;
    }

    // Every fault is applied before any state changes, so a client's retry is always safe.
    const fault = this.faults.forRequest(route.api, route.name === 'job-get' || route.name === 'asset-get');
    switch (fault.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'rate-limit':
        return sendError(res, 429, 'Too many requests, slow down', { 'Retry-After': String(fault.retryAfterSeconds) });
      case 'server-error':
        return sendError(res, fault.status, `Injected server error (${fault.status})`);
      case 'non-json':
        return sendText(res, 200, 'text/html; charset=utf-8', PORTAL_HTML);
      case 'none':
        break;
    }

    if (route.api) {
      if (req.headers.authorization !== this.expectedAuth) {
        return sendError(res, 401, 'Unauthorized: missing or invalid API key and secret', { 'WWW-Authenticate': 'Basic realm="Scenario API"' });
      }
      const handler = apiHandlers[route.name];
      if (!handler) return sendError(res, 404, `no route for ${method} ${url.pathname}`);
      return handler(this.ctx, req, res, route.params);
    }
    if (route.name === 'upload-part') return putPart(this.ctx, req, res, route.params, url);
    if (route.name === 'download') return download(this.ctx, req, res, route.params, url);
    sendText(res, 404, 'text/plain; charset=utf-8', 'Not Found');
  }
}
