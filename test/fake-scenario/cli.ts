// `npm run fake-scenario -- --port 8787 [--job-ms 1500] [--key K --secret S] [--seed N]`
// Runs the fake server by hand, for the demo and for poking at the app without a real account.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startFakeScenario } from './index';

const flags = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8787),
  jobMs: z.coerce.number().int().min(0).default(1500),
  key: z.string().min(1).default('test-key'),
  secret: z.string().min(1).default('test-secret'),
  seed: z.coerce.number().int().default(1),
});

function usage(): string {
  return 'usage: npm run fake-scenario -- [--port 8787] [--job-ms 1500] [--key K --secret S] [--seed N]';
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'job-ms': { type: 'string' },
        key: { type: 'string' },
        secret: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${usage()}`);
    process.exit(2);
  }
  if (values['help']) {
    console.log(usage());
    return;
  }
  const parsed = flags.safeParse({
    port: values['port'],
    jobMs: values['job-ms'],
    key: values['key'],
    secret: values['secret'],
    seed: values['seed'],
  });
  if (!parsed.success) {
    console.error(`${z.prettifyError(parsed.error)}\n${usage()}`);
    process.exit(2);
  }
  const { port, jobMs, key, secret, seed } = parsed.data;
  const server = await startFakeScenario({ port, jobDurationMs: jobMs, apiKey: key, apiSecret: secret, seed });
  console.log(`Fake Scenario API listening at ${server.url}`);
  console.log(`  SCENARIO_SDK_API_KEY=${key}`);
  console.log(`  SCENARIO_SDK_API_SECRET=${secret}`);
  console.log(`  --api-url ${server.url}`);
  console.log(`  e.g. SCENARIO_SDK_API_KEY=${key} SCENARIO_SDK_API_SECRET=${secret} npx kiln convert ./samples/images --model vtracer --out ./out --api-url ${server.url}`);
  console.log(`  jobs take ${jobMs} ms; Ctrl+C to stop`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
