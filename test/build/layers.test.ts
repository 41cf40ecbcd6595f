import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The arrows of ../shared/DESIGN.md as the linter enforces them (eslint.config.js): each line of
// code below is linted as if it lived in the named file.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function refused(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layers', () => {
  it('the engine never imports Electron, the host, the shell, the CLI or the renderer', async () => {
    const file = 'src/main/engine/queue/example.ts';
    expect(await refused(file, "import { app } from 'electron';")).toHaveLength(1);
    expect(await refused(file, "import { KilnService } from '../../host/service';")).toHaveLength(1);
    expect(await refused(file, "import { registerIpc } from '../../app/ipc';")).toHaveLength(1);
    expect(await refused(file, "import { runConvert } from '../../../cli/convert';")).toHaveLength(1);
    expect(await refused(file, "import { App } from '../../../renderer/app/App';")).toHaveLength(1);
    expect(await refused(file, "import { QueueStore } from './store';")).toEqual([]);
    expect(await refused(file, "import { calls } from '../../../shared/contract';")).toEqual([]);
  });

  it('the renderer and the preload never import src/main', async () => {
    expect(await refused('src/renderer/app/Example.tsx', "import { MODELS } from '../../main/engine/models/registry';")).toHaveLength(1);
    expect(await refused('src/renderer/app/Example.tsx', "import { readFile } from 'node:fs';")).toHaveLength(1);
    expect(await refused('src/renderer/app/Example.tsx', "import { calls } from '../../shared/contract';")).toEqual([]);
    expect(await refused('src/preload/example.ts', "import { IPC } from '../main/app/window-options';")).toHaveLength(1);
    expect(await refused('src/preload/example.ts', "import { IPC } from '../shared/ipc';")).toEqual([]);
  });

  it('the host never imports Electron, and shared depends on nothing', async () => {
    expect(await refused('src/main/host/example.ts', "import { safeStorage } from 'electron';")).toHaveLength(1);
    expect(await refused('src/shared/example.ts', "import { join } from 'node:path';")).toHaveLength(1);
    expect(await refused('src/shared/example.ts', "import { QueueStore } from '../main/engine/queue/store';")).toHaveLength(1);
  });
});
