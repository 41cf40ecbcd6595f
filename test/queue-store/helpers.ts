import type { NewItem } from '../../src/main/engine/queue/types';

let counter = 0;

/** A valid NewItem; override what the test cares about. */
export function newItem(overrides: Partial<NewItem> = {}): NewItem {
  counter++;
  return {
    queueId: 'q1',
    inputPath: `/art/input-${counter}.png`,
    inputKind: 'png',
    inputSize: 1234,
    modelKey: 'vtracer',
    params: { colorPrecision: 6, hierarchical: 'stacked', keepHoles: true },
    output: { dir: '/out', template: '{name}.{ext}', collision: 'keep-both' },
    ...overrides,
  };
}
