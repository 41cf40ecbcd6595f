import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { z } from 'zod';
import { COLLISION_POLICIES, ENGINE_CHOICES } from '../shared/output-options';
import { MODELS } from '../main/engine/models/registry';
import { DEFAULT_API_URL } from '../main/engine/scenario/types';

export class UsageError extends Error {
  override name = 'UsageError';
}

const modelKeys = MODELS.map((m) => m.key);

/** The environment variable that names a Scenario project when --project-id is not given. */
export const PROJECT_ID_ENV = 'SCENARIO_PROJECT_ID';

export const CONVERT_USAGE = `Usage: kiln convert <files or folders...> --model ${modelKeys.join('|')} --out DIR [options]

Sends each file to a Scenario model and saves the results in DIR.

Options:
  --model NAME          ${modelKeys.join(' or ')} (required)
  --out DIR             folder for the results (required; created if missing)
  --preset NAME         a preset of the model (see \`kiln models\`)
  --param key=value     a model parameter; repeat for several
  --name TEMPLATE       output file name: {name} {ext} {model} {preset} {index} {date} (default "{name}.{ext}")
  --on-conflict MODE    keep-both (default: "name (1).svg"), overwrite or skip
  --engine WHERE        cloud (default), local (this machine, offline) or cloud-then-local
  --concurrency N       jobs running at Scenario at once (default 4); uploads and
                        downloads of other items overlap with them
  --api-url URL         Scenario API base URL (default ${DEFAULT_API_URL})
  --state DIR           where the durable queue lives (default: the app's data folder)
  --job-timeout MIN     give up on a job after MIN minutes (default 30)
  --stall-timeout MIN   give up on a job that shows no progress for MIN minutes (default 10)
  --upload-timeout MIN  give up on an upload Scenario has not imported after MIN minutes (default 5)
  --project-id ID       Scenario project to work in (default: SCENARIO_PROJECT_ID, else none)
  --json                one JSON line per finished item on stdout
  -h, --help            show this help

Credentials come from SCENARIO_SDK_API_KEY and SCENARIO_SDK_API_SECRET, or else from the key pair
the Kiln app saved in the keychain; --engine local needs none and never uses the network.
Run the same command again after an interruption to finish the batch: finished items are kept and
jobs Kiln recorded are followed again, not paid for again. Only a stop in the instant Scenario is
accepting a job loses its id: that item is generated again and its result says "may have been
charged twice". Two runs of one batch share the work; neither touches what the other is doing.
Exit status: 0 every item done, 1 some item failed, 2 bad usage.`;

const convertSchema = z.object({
  inputs: z.array(z.string().min(1)).min(1, 'name at least one file or folder to convert'),
  model: z.enum(modelKeys as [string, ...string[]], { error: `--model must be one of: ${modelKeys.join(', ')}` }),
  out: z.string({ error: '--out DIR is required' }).min(1, '--out DIR is required').transform((p) => resolve(p)),
  preset: z.string().min(1).optional(),
  param: z.array(z.string()).default([]),
  name: z.string().min(1, '--name must not be empty').default('{name}.{ext}'),
  onConflict: z.enum(COLLISION_POLICIES, { error: '--on-conflict must be keep-both, overwrite or skip' }).default('keep-both'),
  engine: z.enum(ENGINE_CHOICES, { error: '--engine must be cloud, local or cloud-then-local' }).default('cloud'),
  concurrency: z.coerce.number({ error: '--concurrency must be a whole number from 1 to 64' }).int('--concurrency must be a whole number from 1 to 64').min(1, '--concurrency must be a whole number from 1 to 64').max(64, '--concurrency must be a whole number from 1 to 64').default(4),
  apiUrl: z.url({ protocol: /^https?$/, error: '--api-url must be an http(s) URL' }).default(DEFAULT_API_URL),
  state: z.string().min(1).transform((p) => resolve(p)).optional(),
  jobTimeout: z.coerce.number({ error: '--job-timeout must be a number of minutes' }).positive('--job-timeout must be a positive number of minutes').default(30),
  stallTimeout: z.coerce.number({ error: '--stall-timeout must be a number of minutes' }).positive('--stall-timeout must be a positive number of minutes').default(10),
  uploadTimeout: z.coerce.number({ error: '--upload-timeout must be a number of minutes' }).positive('--upload-timeout must be a positive number of minutes').default(5),
  projectId: z.string().trim().min(1, '--project-id must not be empty').optional(),
  json: z.boolean().default(false),
});

export type ConvertArgs = z.infer<typeof convertSchema>;

export function parseConvertArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ConvertArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        model: { type: 'string', short: 'm' },
        out: { type: 'string', short: 'o' },
        preset: { type: 'string' },
        param: { type: 'string', multiple: true, short: 'p' },
        name: { type: 'string' },
        'on-conflict': { type: 'string' },
        engine: { type: 'string' },
        concurrency: { type: 'string', short: 'c' },
        'api-url': { type: 'string' },
        state: { type: 'string' },
        'job-timeout': { type: 'string' },
        'stall-timeout': { type: 'string' },
        'upload-timeout': { type: 'string' },
        'project-id': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const result = convertSchema.safeParse({
    inputs: parsed.positionals,
    model: v.model,
    out: v.out,
    preset: v.preset,
    param: v.param,
    name: v.name,
    onConflict: v['on-conflict'],
    engine: v.engine,
    concurrency: v.concurrency,
    apiUrl: v['api-url'],
    state: v.state,
    jobTimeout: v['job-timeout'],
    stallTimeout: v['stall-timeout'],
    uploadTimeout: v['upload-timeout'],
    projectId: v['project-id'] ?? (env[PROJECT_ID_ENV]?.trim() || undefined),
    json: v.json,
  });
  if (!result.success) throw new UsageError(result.error.issues.map((i) => i.message).join('\n'));
  return result.data;
}
