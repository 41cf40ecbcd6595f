import { afterEach } from 'vitest';
import { killLeftoverClis } from './cli';

// Each test file's setup (vitest.config.ts setupFiles): a CLI a failed test did not stop (a
// `kiln watch` waits forever) is ended with its test, not left running on the machine.
afterEach(() => killLeftoverClis());
