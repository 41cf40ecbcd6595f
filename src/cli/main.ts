import { MODELS } from '../main/engine/models/registry';
import { describeAllowed } from '../shared/params';
import { describeKinds } from '../main/engine/inputs/kinds';
import { CONVERT_USAGE, parseConvertArgs, UsageError } from './args';

// `convert` and `watch` (sharp, SQLite, glTF-Transform, the HTTP client) are imported only when a
// conversion runs: `kiln --help` and `kiln models` start in a few tens of milliseconds.

const USAGE = `Usage: kiln <command> [options]

Commands:
  convert <files or folders...>   convert files with a Scenario model (kiln convert --help)
  watch <folder>                  convert every file that appears in a folder, until interrupted
                                  (same options as convert)
  models                          list the models, their inputs, presets and parameters

Options:
  -h, --help                      show this help
  -v, --version                   show the version`;

function printModels(): void {
  for (const m of MODELS) {
    console.log(`${m.key}  (${m.modelId}) — ${m.summary}`);
    console.log(`  inputs:  ${describeKinds(m.input.kinds)}`);
    console.log(`  output:  .${m.output.extension}`);
    console.log(`  presets: ${m.presets.map((p) => `${p.name}${p.name === m.defaultPreset ? ' (default)' : ''}`).join(', ')}`);
    console.log('  parameters:');
    for (const p of m.parameters) {
      const def = p.default === undefined ? '' : `, default ${JSON.stringify(p.default)}`;
      console.log(`    ${p.name}: ${describeAllowed(p)}${def} — ${p.description}`);
    }
    console.log('');
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === '-v' || command === '--version') {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(pkg.version);
    return 0;
  }
  if (command === 'models') {
    printModels();
    return 0;
  }
  if (command === 'convert') {
    const args = parseConvertArgs(rest);
    if (args === 'help') {
      console.log(CONVERT_USAGE);
      return 0;
    }
    const { runConvert } = await import('./convert');
    return runConvert(args);
  }
  if (command === 'watch') {
    const args = parseConvertArgs(rest);
    if (args === 'help') {
      console.log(CONVERT_USAGE.replace('kiln convert <files or folders...>', 'kiln watch <folder>'));
      return 0;
    }
    const { runWatch } = await import('./watch');
    return runWatch(args);
  }
  throw new UsageError(`unknown command "${command}"`);
}

/** Runs the command and sets the exit code; a promise rather than top-level await, so the CLI can be built as CommonJS (vite.cli.config.ts). */
async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`kiln: ${error.message}`);
      console.error('Run "kiln --help" or "kiln convert --help" for usage.');
      process.exitCode = 2;
    } else {
      console.error(`kiln: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    }
  }
}

void run(process.argv.slice(2)).then(() => {
  // Nothing should keep the process alive once the command is over (an idle keep-alive socket
  // or a pending probe timer would); this ends it without cutting output short.
  setTimeout(() => process.exit(), 500).unref();
});
