import { schemaFromSpecs } from '../../../shared/params';
import type { ModelDescriptor, ParameterSpec, Preset } from './types';

// Names, types, defaults and descriptions from ../shared/api/tripo-retopology.md. The reference
// gives faceLimit no range; a face count is a positive whole number, and the cap keeps an
// accidental extra digit from being sent.
const parameters: readonly ParameterSpec[] = [
  {
    name: 'faceLimit', type: 'number', integer: true, min: 1, max: 2_000_000,
    description: 'Target face count. Adaptive if not set.',
    label: 'Face count', help: 'About how many faces the low-poly model should have. Leave empty to let Scenario choose for each model.',
  },
  { name: 'quad', type: 'boolean', default: false, description: 'Output quad faces instead of triangles.', label: 'Quads', help: 'Four-sided faces, easier to sculpt and subdivide; off gives triangles, what game engines use.' },
  { name: 'bake', type: 'boolean', default: true, description: 'Bake textures onto lowpoly mesh.', label: 'Keep the look (bake textures)', help: 'Transfers the detail and colours of the original onto the low-poly model’s textures.' },
];

// Kiln's own presets: common targets for game and real-time work. They expand to parameters.
const presets: readonly Preset[] = [
  { name: 'adaptive', label: 'Adaptive', description: 'Let the service choose the face count.', params: {} },
  { name: 'mobile-1k', label: 'Mobile · 1k tris', description: 'About 1,000 triangles, textures baked.', params: { faceLimit: 1000, quad: false, bake: true } },
  { name: 'game-5k', label: 'Game · 5k tris', description: 'About 5,000 triangles, textures baked.', params: { faceLimit: 5000, quad: false, bake: true } },
  { name: 'quads-5k', label: 'Sculpt base · 5k quads', description: 'About 5,000 quad faces for further modelling.', params: { faceLimit: 5000, quad: true, bake: true } },
  { name: 'hero-20k', label: 'Hero · 20k tris', description: 'About 20,000 triangles for close-up assets.', params: { faceLimit: 20000, quad: false, bake: true } },
  { name: 'custom', label: 'Custom', description: 'Your own face count, quads and baking.', params: {} },
];

export const tripoRetopology: ModelDescriptor = {
  key: 'tripo-retopology',
  modelId: 'model_tripo-retopology',
  displayName: 'Tripo Retopology',
  summary: '3D model to a clean low-poly mesh',
  input: { param: 'model', kinds: ['glb', 'gltf', 'obj', 'fbx'], upload: 'multipart-upload', maxBytes: 500 * 1024 * 1024 },
  parameters,
  presets,
  defaultPreset: 'adaptive',
  paramsSchema: schemaFromSpecs(parameters),
  output: {
    kind: 'glb',
    extension: 'glb',
    mimeTypes: ['model/gltf-binary', 'application/octet-stream'],
    looksValid(head) {
      return head.length >= 12 && head.toString('latin1', 0, 4) === 'glTF' && head.readUInt32LE(4) === 2;
    },
  },
  local: {
    unsupported: {
      quad: 'Quad output needs the cloud model: the local result is made of triangles.',
      bake: 'Baking needs the cloud model — the local result keeps the original materials and textures.',
    },
    workerModule: 'simplify',
  },
};
