#!/usr/bin/env node
// The `kiln` command: the CLI's TypeScript source, loaded through tsx so no build step is needed.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const entry = new URL('../src/cli/main.ts', import.meta.url);
process.argv = [process.argv[0], fileURLToPath(entry), ...process.argv.slice(2)];
await import(entry.href);
