import { FakeScenarioServer } from './server';
import type { FakeScenario, FakeScenarioOptions } from './types';

export type { Faults, FakeScenarioOptions, RouteName, GenerateRecord, FakeScenario } from './types';
export { DEFAULT_FAULTS } from './faults';

/** Starts a fake Scenario API on 127.0.0.1 that follows docs/scenario-api.md; see README.md. */
export async function startFakeScenario(options?: FakeScenarioOptions): Promise<FakeScenario> {
  const server = new FakeScenarioServer(options);
  await server.start();
  return server;
}
