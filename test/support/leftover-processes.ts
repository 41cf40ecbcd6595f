import { afterAll } from 'vitest';
import { killLeftoverClis } from './live-clis';

// Each test file's setup (vitest.config.ts setupFiles): a CLI a failed test did not stop (a
// `kiln watch` waits forever) is ended with its file, not left running on the machine. After the
// file rather than after each test: a file's concurrent tests (describe.concurrent) would
// otherwise end each other's runs.
afterAll(() => killLeftoverClis());
