#!/usr/bin/env node
// Runs a TypeScript entry point from the checkout without a build step, so `npx kiln`, the demo,
// the fake server and the benchmark all work right after `npm install`.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.js <file.ts> [args...]');
  process.exit(2);
}
// tsx compiles in a loader thread whose esbuild service is a child process that copies this
// environment as it is now: the Scenario key pair is held back until that has started (issue 14.7).
const held = {};
for (const name of ['SCENARIO_SDK_API_KEY', 'SCENARIO_SDK_API_SECRET']) {
  if (name in process.env) held[name] = process.env[name];
  delete process.env[name];
}
register();
Object.assign(process.env, held);
process.argv = [process.argv[0], resolve(entry), ...rest];
await import(pathToFileURL(resolve(entry)).href);
