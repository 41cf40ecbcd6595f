// The arrows of ../shared/DESIGN.md, enforced: who may import whom. Plus typescript-eslint's
// recommended rules everywhere and the rules of React hooks in the renderer.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** An import path segment (relative or not) naming one of these folders. */
const folder = (...names) => `(^|/)(${names.join('|')})(/|$)`;

/** no-restricted-imports for one layer: each entry is [regex, why]. */
function restrict(...rules) {
  return {
    'no-restricted-imports': [
      'error',
      { patterns: rules.map(([regex, message]) => ({ regex, message })) },
    ],
  };
}

const ELECTRON = ['^electron(/|$)', 'Electron is the shell\'s business (src/main/app, src/main/index.ts, src/preload).'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-artifacts/**', 'demo-output/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The command's launcher is CommonJS (bin/kiln.cjs says why): require is how it loads the bundle.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/main/engine/**'],
    rules: restrict(
      ELECTRON,
      [folder('host', 'app', 'cli', 'renderer', 'preload'), 'The engine is plain Node: it never imports the host, the Electron shell, the CLI or the renderer.'],
    ),
  },
  {
    files: ['src/main/host/**'],
    rules: restrict(
      ELECTRON,
      [folder('app', 'cli', 'renderer', 'preload'), 'The host serves the contract for every transport: it never imports the Electron shell, the CLI or the renderer.'],
    ),
  },
  {
    files: ['src/cli/**'],
    rules: restrict(ELECTRON, [folder('app', 'renderer', 'preload'), 'The CLI runs the engine (and the host for credentials), never the Electron shell or the renderer.']),
  },
  {
    files: ['src/shared/**'],
    rules: restrict(
      ELECTRON,
      ['^node:', 'src/shared runs on both sides: no Node built-ins.'],
      [folder('main', 'renderer', 'preload', 'cli'), 'src/shared depends on nothing but itself and zod.'],
    ),
  },
  {
    files: ['src/preload/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict([folder('main'), 'The preload never imports src/main: it only forwards the contract in src/shared.']),
  },
  {
    files: ['src/renderer/**'],
    ignores: ['src/renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The two rules of hooks. The React Compiler rules that v7's "recommended" adds are left off:
      // Kiln does not use the compiler, and they flag deliberate patterns (refs read in callbacks).
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      ...restrict(
        ELECTRON,
        ['^node:', 'The renderer is a web page: no Node built-ins.'],
        [folder('main', 'preload', 'cli'), 'The renderer never imports src/main: it talks to it only through the contract (src/shared).'],
      ),
    },
  },
);
