import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Tests run the compiled `kiln`; it is rebuilt first when its sources changed.
    globalSetup: ['test/support/build-cli.ts'],
    // A CLI a failed test did not stop is ended with its file (test/support/leftover-processes.ts).
    setupFiles: ['test/support/leftover-processes.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn CLIs and servers; two cores do not benefit from more workers.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
