import { ScenarioError } from '../engine/scenario/errors';
import type { ScenarioApi } from '../engine/scenario/types';

/**
 * The runner's view of Scenario when credentials may come and go: calls go to the current client,
 * or fail as an authentication problem when there is none, which stops the queue with a message
 * that sends the artist to Settings.
 */
export class SwitchableApi implements ScenarioApi {
  private current: ScenarioApi | undefined;

  set(api: ScenarioApi | undefined): void {
    this.current = api;
  }

  private get api(): ScenarioApi {
    if (!this.current) throw new ScenarioError('auth', 'No Scenario API key and secret are set: add them in Settings');
    return this.current;
  }

  upload: ScenarioApi['upload'] = (req) => this.api.upload(req);
  generate: ScenarioApi['generate'] = (modelId, body, signal) => this.api.generate(modelId, body, signal);
  getJob: ScenarioApi['getJob'] = (jobId, signal) => this.api.getJob(jobId, signal);
  waitForJob: ScenarioApi['waitForJob'] = (jobId, options) => this.api.waitForJob(jobId, options);
  cancelJob: ScenarioApi['cancelJob'] = (jobId) => this.api.cancelJob(jobId);
  getAsset: ScenarioApi['getAsset'] = (assetId, signal) => this.api.getAsset(assetId, signal);
  download: ScenarioApi['download'] = (req) => this.api.download(req);
  probe: ScenarioApi['probe'] = (signal) => this.api.probe(signal);
  jobCeiling: ScenarioApi['jobCeiling'] = () => this.current?.jobCeiling();
}
