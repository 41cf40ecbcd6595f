#!/usr/bin/env node
// The `kiln` command: the compiled CLI in out/cli (built by `npm run build:cli`, which npm's
// `prepare` runs after every install). No TypeScript is loaded at run time.
//
// CommonJS, like the bundle it requires (vite.cli.config.ts says why): an ES module here started
// Node's ES module loader at every run: `kiln --help` took 122 → 111 ms and, in 30 more interleaved
// runs, 131 → 115 ms against 81 ms for a bare `node -e 0` (medians, issue 13.2).
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'out', 'cli', 'kiln.cjs');
if (!existsSync(entry)) {
  console.error('kiln: the command is not built yet (out/cli/kiln.cjs is missing). Run "npm run build:cli" in the Kiln folder, then try again.');
  process.exit(1);
}
require(entry);
