// Runs the fake Scenario server in its own process for the bench, driven over the IPC channel:
// the server's CPU work (decoding uploads, tracing outputs) must not share the event loop whose
// scheduling we are measuring. Started by server.ts; not meant to be run by hand.
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { startFakeScenario, type FakeScenario } from '../test/fake-scenario/index';
import { commandSchema, startOptionsSchema, type Reply, type ServerStats, type ServerSummary } from './server-protocol';

const options = startOptionsSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const { faults, ...rest } = options;
const server = await startFakeScenario({ ...rest, ...(faults?.teamJobLimit !== undefined ? { faults: { teamJobLimit: faults.teamJobLimit } } : {}) });

let since = { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), at: performance.now() };

function stats(): ServerStats {
  const cpu = process.cpuUsage(since.cpu);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - since.at,
    eventLoopUtilization: performance.eventLoopUtilization(since.elu).utilization,
  };
}

function summarize(fake: FakeScenario): ServerSummary {
  const generates = fake.generates;
  return { jobs: generates.length, jobMsTotal: generates.reduce((sum, g) => sum + g.durationMs, 0), teamLimitRefusals: fake.teamLimitRefusals };
}

function send(message: Reply): void {
  process.send?.(message);
}

process.on('message', (raw: unknown) => {
  const parsed = commandSchema.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'error', id: -1, message: z.prettifyError(parsed.error) });
    return;
  }
  const command = parsed.data;
  void (async () => {
    try {
      switch (command.cmd) {
        case 'counts':
          send({ type: 'result', id: command.id, value: server.counts });
          return;
        case 'resetCounts':
          server.resetCounts();
          since = { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), at: performance.now() };
          send({ type: 'result', id: command.id, value: null });
          return;
        case 'addSyntheticAsset':
          send({ type: 'result', id: command.id, value: server.addSyntheticAsset({ bytes: command.bytes, kind: command.kind }) });
          return;
        case 'stats':
          send({ type: 'result', id: command.id, value: stats() });
          return;
        case 'summary':
          send({ type: 'result', id: command.id, value: summarize(server) });
          return;
        case 'close':
          await server.close();
          send({ type: 'result', id: command.id, value: null });
          process.disconnect();
          return;
      }
    } catch (error) {
      send({ type: 'error', id: command.id, message: error instanceof Error ? error.message : String(error) });
    }
  })();
});

// The parent going away must not leave an orphan server holding a port.
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});

send({ type: 'ready', url: server.url });
