// The example payloads of the API notes (fixtures/scenario-notes-examples.json, copied verbatim),
// read by the client's own schemas: if Scenario answers as documented, Kiln understands it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toSnapshot } from '../../src/main/engine/scenario/jobs';
import { AssetEnvelope, ErrorBody, GenerateEnvelope, JobEnvelope, teamLimit, UploadCreatedEnvelope, UploadStatusEnvelope } from '../../src/main/engine/scenario/schemas';
import { serverMessage } from '../../src/main/engine/scenario/failures';
import { tripoRetopology } from '../../src/main/engine/models/tripo-retopology';
import { generateBody } from '../../src/main/engine/models/request';
import { UPLOAD_KIND } from '../../src/main/engine/scenario/upload';
import { MIME_BY_KIND } from '../../src/main/engine/inputs/kinds';

const examples = JSON.parse(readFileSync(new URL('./fixtures/scenario-notes-examples.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const example = (name: string): unknown => {
  expect(examples[name], name).toBeDefined();
  return examples[name];
};

describe('the documented example payloads', () => {
  it('POST /assets → the asset id', () => {
    expect(AssetEnvelope.parse(example('assetCreated')).asset.id).toBe('asset_8Jq2');
  });

  it('POST /uploads: Kiln sends the documented kind and content type, and reads the parts', () => {
    const request = example('uploadCreateRequest') as Record<string, unknown>;
    expect(request['kind']).toBe(UPLOAD_KIND.model);
    expect(request['contentType']).toBe(MIME_BY_KIND.glb);
    const created = UploadCreatedEnvelope.parse(example('uploadCreated')).upload;
    expect(created.id).toBe('upload_3Fk');
    expect(created.parts.map((p) => p.number)).toEqual([1, 2]);
  });

  it('upload statuses: validating is still working, imported carries entityId, failed carries errorMessage', () => {
    expect(UploadStatusEnvelope.parse(example('uploadCompleted')).upload).toMatchObject({ status: 'validating' });
    expect(UploadStatusEnvelope.parse(example('uploadImported')).upload).toMatchObject({ status: 'imported', entityId: 'asset_Q2w' });
    expect(UploadStatusEnvelope.parse(example('uploadFailed')).upload).toMatchObject({ status: 'failed', errorMessage: 'Unsupported file' });
  });

  it('generate: Kiln builds the documented Tripo body, and reads the job id', () => {
    const documented = example('generateRequest') as Record<string, unknown>;
    expect(generateBody(tripoRetopology, { faceLimit: 5000, quad: true }, 'asset_Q2w')).toMatchObject(documented);
    expect(GenerateEnvelope.parse(example('generated'))).toMatchObject({ job: { jobId: 'job_a1', status: 'queued' }, creativeUnitsCost: 5 });
  });

  it('jobs: progress while running, output ids on success, and the reason from metadata.error on failure', () => {
    expect(toSnapshot(JobEnvelope.parse(example('jobInProgress')).job)).toEqual({ jobId: 'job_a1', status: 'in-progress', progress: 0.4, assetIds: [] });
    expect(toSnapshot(JobEnvelope.parse(example('jobSucceeded')).job)).toEqual({ jobId: 'job_a1', status: 'success', progress: 1, assetIds: ['asset_out1'] });
    expect(toSnapshot(JobEnvelope.parse(example('jobFailed')).job)).toMatchObject({ status: 'failure', reason: 'Model error: …' });
  });

  it('errors: the refused cancel\'s message, and the team ceiling from a 429', () => {
    const refused = example('cancelRefused') as { body: unknown };
    expect(serverMessage(JSON.stringify(refused.body))).toBe('Cannot cancel this type of job');
    const ceiling = example('teamCeiling') as { body: unknown };
    expect(ErrorBody.parse(ceiling.body).details?.actionName).toBe('generate');
    expect(teamLimit(JSON.stringify(ceiling.body))).toBe(4);
    expect(teamLimit(JSON.stringify({ error: 'slow down' }))).toBeUndefined();
  });

  it('GET /assets/{id} → a signed URL and its type', () => {
    expect(AssetEnvelope.parse(example('outputAsset')).asset).toMatchObject({ id: 'asset_out1', mimeType: 'model/gltf-binary', url: expect.stringContaining('Signature') });
  });
});
