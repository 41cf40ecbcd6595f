#!/usr/bin/env node
// The `kiln` command: the compiled CLI in out/cli (built by `npm run build:cli`, which npm's
// `prepare` runs after every install). No TypeScript is loaded at run time.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/cli/kiln.cjs', import.meta.url);
if (!existsSync(entry)) {
  console.error('kiln: the command is not built yet (out/cli/kiln.cjs is missing). Run "npm run build:cli" in the Kiln folder, then try again.');
  process.exit(1);
}
// Required, not imported: it is CommonJS (vite.cli.config.ts says why).
createRequire(import.meta.url)(fileURLToPath(entry));
