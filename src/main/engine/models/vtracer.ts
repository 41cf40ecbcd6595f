import { schemaFromSpecs } from '../../../shared/params';
import type { ModelDescriptor, ParameterSpec, Preset } from './types';

// Names, types, defaults, ranges and descriptions from ../shared/api/vtracer.md.
const parameters: readonly ParameterSpec[] = [
  {
    name: 'presetName',
    type: 'string',
    default: 'poster',
    // *assumed*: the reference names no preset list; these are VTracer's own presets plus "custom".
    enum: ['bw', 'poster', 'photo', 'custom'],
    description: 'Preset configuration. When using a preset, custom parameters are ignored.',
  },
  {
    name: 'colorMode', type: 'string', default: 'color', enum: ['color', 'binary'], customOnly: true,
    description: "Color mode: 'color' or 'binary'. Only used with preset is Custom.",
    label: 'Colours', help: 'Trace in full colour, or in black and white only.',
  },
  {
    name: 'colorPrecision', type: 'number', integer: true, default: 6, min: 1, max: 8, customOnly: true,
    description: 'Number of significant bits for RGB channels (1-8). Higher values preserve more color detail. Phoenix param: colorPrecision. Only used with preset is Custom.',
    label: 'Colour detail', help: 'How finely colours are told apart: higher keeps subtle shades, lower merges them into fewer flat colours.',
  },
  {
    name: 'layerDifference', type: 'number', integer: true, default: 16, min: 0, max: 255, customOnly: true,
    description: 'Color difference between gradient layers (0-255). Phoenix param: layerDifference. Only used with preset is Custom.',
    label: 'Gradient steps', help: 'How different two colours must be to get their own layer: lower keeps smooth gradients, higher gives bolder bands.',
  },
  {
    name: 'hierarchical', type: 'string', default: 'stacked', enum: ['stacked', 'cutout'], customOnly: true,
    description: "Hierarchical clustering mode: 'stacked' or 'cutout'. Only used with preset is Custom.",
    label: 'Shape layering', help: 'Stacked puts shapes on top of each other (fewer gaps); cutout cuts holes so shapes never overlap.',
  },
  {
    name: 'mode', type: 'string', default: 'spline', enum: ['spline', 'polygon', 'pixel', 'none'], customOnly: true,
    description: "Curve fitting mode: 'spline' (smooth curves), 'polygon' (straight lines), 'pixel' (pixelated), or 'none'. Only used with preset='custom'.",
    label: 'Curves', help: 'Smooth curves, straight lines, square pixels, or no fitting at all.',
  },
  {
    name: 'filterSpeckle', type: 'number', integer: true, default: 4, min: 0, max: 128, customOnly: true,
    description: 'Discard patches smaller than X pixels. Only used with preset is Custom.',
    label: 'Ignore specks up to (px)', help: 'Dust and specks smaller than this many pixels are dropped.',
  },
  {
    name: 'cornerThreshold', type: 'number', default: 60, min: 0, max: 180, customOnly: true,
    description: 'Minimum angle (degrees) to be considered a corner (0-180). Only used with preset is Custom.',
    label: 'Corner angle (°)', help: 'Bends sharper than this angle stay crisp corners; gentler ones are rounded.',
  },
  {
    name: 'lengthThreshold', type: 'number', default: 4, min: 3.5, max: 10, customOnly: true,
    description: 'Maximum segment length for curve smoothing (3.5-10). Only used with preset is Custom.',
    label: 'Curve smoothness', help: 'Higher makes longer, smoother curve segments; lower follows the outline more closely.',
  },
  {
    name: 'spliceThreshold', type: 'number', default: 45, min: 0, max: 180, customOnly: true,
    description: 'Minimum angle displacement for splines (0-180 degrees). Only used with preset is Custom.',
    label: 'Curve splitting angle (°)', help: 'A curve that turns more than this is split in two; lower keeps more detail along curved edges.',
  },
];

// What each preset means, from VTracer's own cmdapp/src/config.rs (Config::from_preset): all stacked,
// spline curves, length 4, splice 45°; 10 iterations and path precision 2 are not API parameters
// (src/shared/vtracer.ts). The API sends only presetName and expands it server-side.
const shared = { hierarchical: 'stacked', mode: 'spline', lengthThreshold: 4, spliceThreshold: 45 } as const;
const presets: readonly Preset[] = [
  {
    name: 'poster', label: 'Poster', description: 'Flat colour artwork: logos, posters, illustrations (the API default).', params: { presetName: 'poster' },
    expands: { ...shared, colorMode: 'color', filterSpeckle: 4, colorPrecision: 8, layerDifference: 16, cornerThreshold: 60 },
  },
  {
    name: 'bw', label: 'Black & white', description: 'Line art and scans traced as a single colour.', params: { presetName: 'bw' },
    expands: { ...shared, colorMode: 'binary', filterSpeckle: 4, colorPrecision: 6, layerDifference: 16, cornerThreshold: 60 },
  },
  {
    name: 'photo', label: 'Photo', description: 'Photographs and gradients, with many colour layers.', params: { presetName: 'photo' },
    expands: { ...shared, colorMode: 'color', filterSpeckle: 10, colorPrecision: 8, layerDifference: 48, cornerThreshold: 180 },
  },
  { name: 'custom', label: 'Custom', description: 'Your own colour, clustering and curve settings.', params: { presetName: 'custom' } },
];

const customOnly = parameters.filter((p) => p.customOnly).map((p) => p.name);

const paramsSchema = schemaFromSpecs(parameters).superRefine((params, ctx) => {
  const preset = params['presetName'] ?? 'poster';
  if (preset === 'custom') return;
  const set = customOnly.filter((name) => params[name] !== undefined);
  if (set.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: [set[0] as string],
      message: `${set.join(', ')} only ${set.length === 1 ? 'applies' : 'apply'} with presetName "custom" (the "${String(preset)}" preset would ignore them); set presetName to "custom" or remove them`,
    });
  }
});

export const vtracer: ModelDescriptor = {
  key: 'vtracer',
  modelId: 'model_visioncortex-vtracer',
  displayName: 'VTracer',
  summary: 'Raster image to SVG vector graphics',
  input: { param: 'image', kinds: ['png', 'jpeg', 'webp'], upload: 'image-asset', maxBytes: 50 * 1024 * 1024 },
  parameters,
  presets,
  defaultPreset: 'poster',
  paramsSchema,
  output: {
    kind: 'svg',
    extension: 'svg',
    mimeTypes: ['image/svg+xml'],
    looksValid(head) {
      const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
      return /^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(text);
    },
  },
  local: {
    // VTracer itself, compiled to WebAssembly: every parameter and preset means the same as in the cloud.
    unsupported: {},
    workerModule: 'vectorise',
  },
};
