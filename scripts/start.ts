/**
 * `npm start`: the desktop app. With Electron's binary installed it builds and launches the
 * Electron app; without it (as on machines that cannot download it) it serves the very same UI
 * and engine through the web host on 127.0.0.1 and prints the address to open.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultStateDir } from '../src/cli/paths';
import { StateFolderError } from '../src/main/engine/queue/open-store';
import { envCredentials, launchWebApp, withoutCredentials } from '../src/main/host/launch-web';

const root = resolve(import.meta.dirname, '..');
const flags = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(5190),
    state: z.string().optional(),
    'api-url': z.url().optional(),
    web: z.boolean().default(false),
  })
  .parse(
    parseArgs({
      options: { port: { type: 'string' }, state: { type: 'string' }, 'api-url': { type: 'string' }, web: { type: 'boolean' } },
    }).values,
  );

// Read once, then gone from this process's environment: neither Vite nor esbuild nor anything
// else started from here has any use for the key pair (issue 14.7).
const credentials = envCredentials(process.env);
process.env = withoutCredentials(process.env);

function electronBinary(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...withoutCredentials(process.env), NODE_ENV: 'production' } });
    child.on('exit', (code) => done(code ?? 1));
  });
}

const viteBin = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const electron = flags.web ? undefined : electronBinary();
if (electron) {
  const electronVite = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  process.exit(await run(process.execPath, [electronVite, 'preview']));
}

console.log('Building the interface…');
if ((await run(process.execPath, [viteBin, 'build', '--config', 'src/renderer/vite.config.ts', '--logLevel', 'error'])) !== 0) process.exit(1);
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const app = await launchWebApp({
  stateDir: flags.state ? resolve(flags.state) : defaultStateDir(),
  rendererDir: join(root, 'out', 'renderer'),
  port: flags.port,
  version,
  credentials,
  apiUrl: flags['api-url'],
}).catch((error: unknown) => {
  // A full or read-only state folder is the machine's trouble, said in words (issue 14.5).
  if (!(error instanceof StateFolderError)) throw error;
  console.error(`kiln: ${error.message}`);
  process.exit(1);
});
console.log(
  `${flags.web ? '' : "Electron's binary is not installed on this machine, so "}Kiln is serving its interface at ${app.host.url}\n` +
    'Open that address in a browser. Press Ctrl+C to stop.',
);
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
