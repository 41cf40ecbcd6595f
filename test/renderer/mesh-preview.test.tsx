// @vitest-environment jsdom
import { readFileSync } from 'node:fs';
import { NodeIO } from '@gltf-transform/core';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { simplifyDocument } from '../../src/shared/mesh-simplify';
import { QueueEditor } from '../../src/renderer/queues/QueueEditor';
import type { MeshJob, MeshSuccess } from '../../src/renderer/preview/mesh-protocol';
import { abortError } from '../../src/renderer/preview/trace-client';
import { MeshSimplifierFactoryContext } from '../../src/renderer/preview/tracer-context';
import { readBytes } from '../../src/renderer/preview/use-sample';
import { ApiProvider } from '../../src/renderer/transport/context';
import { TORUS_KNOT } from '../local/helpers';
import { FakeApi, MODEL_INFOS } from './fake-api';

afterEach(cleanup);

/** The mesh worker's work done in-process (jsdom has no workers): the same shared simplifier. */
function inProcess(jobs: MeshJob[]) {
  return () => ({
    async run(job: MeshJob, signal: AbortSignal): Promise<MeshSuccess> {
      jobs.push(job);
      if (signal.aborted) throw abortError();
      const io = new NodeIO();
      const outcome = await simplifyDocument(await io.readBinary(new Uint8Array(await readBytes(job.blob))), job.faceLimit);
      return { glb: await io.writeBinary(outcome.document), before: outcome.before, after: outcome.after, target: outcome.target, ms: 0 };
    },
    dispose: () => undefined,
  });
}

function renderTripoEditor(jobs: MeshJob[]) {
  render(
    <ApiProvider api={new FakeApi()}>
      <MeshSimplifierFactoryContext.Provider value={inProcess(jobs)}>
        <QueueEditor models={MODEL_INFOS} hostKind="web" defaultOutputDir="/home/artist/Kiln" onSaved={() => undefined} onCancel={() => undefined} />
      </MeshSimplifierFactoryContext.Provider>
    </ApiProvider>,
  );
}

const knot = () => new File([readFileSync(TORUS_KNOT)], 'torus-knot.glb', { type: 'model/gltf-binary' });
const summary = () => screen.getByTestId('mesh-result').querySelector('p[aria-live]')!.textContent ?? '';

describe('mesh preview in the queue editor (Tripo)', () => {
  it("simplifies the sample to the preset's faceLimit, then to one typed under Custom, with face counts, labelled an approximation", async () => {
    const jobs: MeshJob[] = [];
    renderTripoEditor(jobs);
    const tripo = MODEL_INFOS.find((m) => m.outputKind === 'glb')!;
    await userEvent.selectOptions(screen.getByLabelText('Model'), tripo.key);
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'mobile-1k');
    expect(screen.getByText(/an approximation, simplified on this computer/)).toBeTruthy();
    await userEvent.upload(screen.getByLabelText('Choose a sample model'), knot());

    await waitFor(() => expect(screen.getByTestId('mesh-result').dataset['status']).toBe('done'));
    const first = /^([\d,]+) faces → ([\d,]+) faces \(limit 1,000\)$/.exec(summary());
    expect(first, summary()).not.toBeNull();
    expect(Number(first![2]!.replace(/,/g, ''))).toBeLessThanOrEqual(1000);
    expect(Number(first![1]!.replace(/,/g, ''))).toBeGreaterThan(1000);
    expect(jobs.at(-1)!.faceLimit).toBe(1000);

    // A face count of one's own is typed with the Custom preset, the only one that shows the field.
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'custom');
    const field = screen.getByLabelText(/Face count/) as HTMLInputElement;
    await userEvent.clear(field);
    await userEvent.type(field, '400');
    await waitFor(() => expect(summary()).toMatch(/→ [\d,]+ faces \(limit 400\)$/));
    const after = Number(/→ ([\d,]+) faces/.exec(summary())![1]!.replace(/,/g, ''));
    expect(after).toBeLessThanOrEqual(400);
    expect(jobs.at(-1)!.faceLimit).toBe(400);

    // Back on a preset, the preview is the preset's faceLimit again, as the saved queue will be,
    // not the count typed under Custom.
    await userEvent.selectOptions(screen.getByLabelText('Preset'), 'mobile-1k');
    await waitFor(() => expect(summary()).toMatch(/^[\d,]+ faces → [\d,]+ faces \(limit 1,000\)$/));
    expect(jobs.at(-1)!.faceLimit).toBe(1000);
  });
});
