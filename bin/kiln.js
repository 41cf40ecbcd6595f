#!/usr/bin/env node
// The `kiln` command: the compiled CLI in out/cli (built by `npm run build:cli`, which npm's
// `prepare` runs after every install). No TypeScript is loaded at run time.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

// A batch runs each step of an item (upload, poll, write…) a few hundred times, then the process
// ends. With V8's default budget (about 132 KB of bytecode run before a function is looked at for
// optimisation) its optimising compiler compiled some 160 of Kiln's functions during a 300-item
// batch: about 0.6 s of CPU on V8's own threads, more than the optimised code saved before the
// batch ended. Three times the budget leaves those to the baseline tiers and still optimises what
// runs hot (`npm run bench`, cli-cpu: 9.0 against 10.1 ms per item over 8 interleaved rounds, lower
// in all 8; a 1,000-item batch and a local trace cost the same). Set before the bundle loads, so
// every function of it starts with this budget.
setFlagsFromString('--interrupt-budget=400000');

const entry = new URL('../out/cli/kiln.cjs', import.meta.url);
if (!existsSync(entry)) {
  console.error('kiln: the command is not built yet (out/cli/kiln.cjs is missing). Run "npm run build:cli" in the Kiln folder, then try again.');
  process.exit(1);
}
// Required, not imported: it is CommonJS (vite.cli.config.ts says why).
createRequire(import.meta.url)(fileURLToPath(entry));
