/**
 * `npm run check:package` (scripts/test.sh runs it after `npm run build`): electron-builder lays out
 * the unpacked Linux app (`--dir`) from electron-builder.yml as it is, against a stand-in Electron
 * distribution (`electronDist`), because Electron's binary cannot be downloaded here. Then:
 *  - app.asar holds out/** (main, preload, renderer; not the CLI) and package.json, and every
 *    production dependency;
 *  - keytar, better-sqlite3 and sharp sit in app.asar.unpacked (native modules cannot load from an asar);
 *  - the fuses of electron-builder.yml were flipped in the packaged binary.
 * The stand-in is a file carrying Electron's fuse wire (sentinel, version 1, 8 fuses at Electron's
 * defaults), so @electron/fuses really flips it. What this cannot check: signing, notarisation,
 * the installers (AppImage, deb, dmg, nsis) and that the real binary starts — see README, "Releasing".
 * Native modules are not rebuilt for Electron's ABI here (npmRebuild=false: that needs Electron's headers).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import asar from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const electronVersion = (JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), 'kiln-package-check-'));
const problems: string[] = [];

try {
  const dist = join(work, 'electron-dist');
  mkdirSync(join(dist, 'resources'), { recursive: true });
  // Electron's defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on,
  // asar integrity off, only-from-asar off, browser snapshot off, file:// privileges on.
  const wire = Buffer.concat([Buffer.from('stand-in for the Electron binary\0'), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from('10110001')]);
  writeFileSync(join(dist, 'electron'), wire, { mode: 0o755 });
  writeFileSync(join(dist, 'LICENSE'), 'stand-in');
  writeFileSync(join(dist, 'version'), electronVersion);

  const output = join(work, 'dist');
  const builder = join(root, 'node_modules', 'electron-builder', 'cli.js');
  const run = spawnSync(
    process.execPath,
    [builder, '--dir', '--linux', '--x64', `-c.electronDist=${dist}`, '-c.npmRebuild=false', `-c.directories.output=${output}`, '--publish', 'never'],
    { cwd: root, encoding: 'utf8', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } },
  );
  if (run.status !== 0) throw new Error(`electron-builder --dir failed:\n${run.stdout}\n${run.stderr}`);

  const app = join(output, 'linux-unpacked');
  const archive = join(app, 'resources', 'app.asar');
  const entries = new Set(asar.listPackage(archive, { isPack: false }).map((e) => e.replaceAll('\\', '/')));
  for (const required of ['/package.json', '/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html']) {
    if (!entries.has(required)) problems.push(`app.asar lacks ${required}`);
  }
  if ([...entries].some((e) => e.startsWith('/out/cli'))) problems.push('app.asar holds out/cli, which the app never loads');
  if ([...entries].some((e) => e.endsWith('.ts') && !e.endsWith('.d.ts') && !e.includes('/node_modules/'))) problems.push('app.asar holds TypeScript sources');
  for (const dep of Object.keys(pkg.dependencies)) {
    if (!entries.has(`/node_modules/${dep}/package.json`)) problems.push(`app.asar lacks the production dependency ${dep}`);
  }
  for (const native of ['keytar', 'better-sqlite3', 'sharp']) {
    if (!existsSync(join(app, 'resources', 'app.asar.unpacked', 'node_modules', native, 'package.json'))) problems.push(`${native} is not in app.asar.unpacked`);
  }

  const fuses = await getCurrentFuseWire(join(app, 'kiln'));
  const want: Array<[FuseV1Options, boolean, string]> = [
    [FuseV1Options.RunAsNode, false, 'RunAsNode'],
    [FuseV1Options.EnableCookieEncryption, true, 'EnableCookieEncryption'],
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable, false, 'EnableNodeOptionsEnvironmentVariable'],
    [FuseV1Options.EnableNodeCliInspectArguments, false, 'EnableNodeCliInspectArguments'],
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation, true, 'EnableEmbeddedAsarIntegrityValidation'],
    [FuseV1Options.OnlyLoadAppFromAsar, true, 'OnlyLoadAppFromAsar'],
    [FuseV1Options.GrantFileProtocolExtraPrivileges, false, 'GrantFileProtocolExtraPrivileges'],
  ];
  for (const [fuse, on, name] of want) {
    const state = fuses[fuse];
    if (state !== (on ? 49 : 48)) problems.push(`fuse ${name} should be ${on ? 'on' : 'off'} in the packaged binary (found ${state === undefined ? 'none' : String.fromCharCode(state)})`);
  }
  if (problems.length === 0) {
    console.log(`check-package: app.asar holds out/** and package.json (${entries.size} entries); keytar, better-sqlite3, sharp unpacked; fuses flipped as configured`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`check-package: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
