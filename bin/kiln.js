#!/usr/bin/env node
// The `kiln` command: the compiled CLI in out/cli (built by `npm run build:cli`, which npm's
// `prepare` runs after every install). No TypeScript is loaded at run time.
import { existsSync } from 'node:fs';

const entry = new URL('../out/cli/kiln.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('kiln: the command is not built yet (out/cli/kiln.js is missing). Run "npm run build:cli" in the Kiln folder, then try again.');
  process.exit(1);
}
await import(entry.href);
