import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-user folder the desktop app keeps its data in (Electron's `userData` for an app named
 * Kiln), so `kiln convert` and the app share one queue unless --state says otherwise.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'Kiln');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Kiln');
  return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'Kiln');
}
