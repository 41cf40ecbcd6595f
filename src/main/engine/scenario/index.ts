export { ScenarioClient, CLIENT_DEFAULTS } from './client';
export * from './errors';
export * from './types';
