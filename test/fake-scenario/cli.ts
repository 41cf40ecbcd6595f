// `npm run fake-scenario -- --port 8787 [--job-ms 1500] [--job-sigma 0.6] [--team-limit 4] [--key K --secret S] [--seed N]`
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
  jobSigma: z.coerce.number().min(0).max(3).default(0),
  teamLimit: z.coerce.number().int().min(1).optional(),
});

function usage(): string {
  return 'usage: npm run fake-scenario -- [--port 8787] [--job-ms 1500] [--job-sigma S (log-normal around --job-ms)] [--team-limit N] [--key K --secret S] [--seed N]';
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
        'job-sigma': { type: 'string' },
        'team-limit': { type: 'string' },
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
    jobSigma: values['job-sigma'],
    teamLimit: values['team-limit'],
  });
  if (!parsed.success) {
    console.error(`${z.prettifyError(parsed.error)}\n${usage()}`);
    process.exit(2);
  }
  const { port, jobMs, key, secret, seed, jobSigma, teamLimit } = parsed.data;
  const server = await startFakeScenario({
    port,
    jobDurationMs: jobMs,
    ...(jobSigma > 0 ? { jobDurations: { kind: 'log-normal', medianMs: jobMs, sigma: jobSigma } } : {}),
    ...(teamLimit ? { faults: { teamJobLimit: teamLimit } } : {}),
    apiKey: key,
    apiSecret: secret,
    seed,
  });
  console.log(`Fake Scenario API listening at ${server.url}`);
  console.log(`  SCENARIO_SDK_API_KEY=${key}`);
  console.log(`  SCENARIO_SDK_API_SECRET=${secret}`);
  console.log(`  --api-url ${server.url}`);
  console.log(`  e.g. SCENARIO_SDK_API_KEY=${key} SCENARIO_SDK_API_SECRET=${secret} npx kiln convert ./samples/images --model vtracer --out ./out --api-url ${server.url}`);
  console.log(`  jobs take ${jobSigma > 0 ? `${jobMs} ms (median, log-normal σ ${jobSigma})` : `${jobMs} ms`}${teamLimit ? `; the team may run ${teamLimit} at once` : ''}; Ctrl+C to stop`);

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
