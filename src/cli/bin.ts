/**
 * The compiled CLI's entry point (built by vite.cli.config.ts into out/cli/kiln.cjs, run by bin/kiln.cjs).
 * The local engines' worker is the build's second input, out/cli/local-worker.cjs, beside this file;
 * it is registered before main.ts runs, hence main's dynamic import.
 */
import { useBlockingFileCalls } from '../main/engine/files/calls';
import { useBuiltWorker } from '../main/engine/local/worker-location';
import { lowerInliningBudget } from './v8-budget';

// Before any of the command's code runs hot (v8-budget.ts says why).
lowerInliningBudget();

useBuiltWorker(new URL('./local-worker.cjs', import.meta.url));
// A command has no window to keep answering: its file-system calls cost only the system call
// (src/main/engine/files/calls.ts says why, and what the app does instead).
useBlockingFileCalls();
void import('./main');
