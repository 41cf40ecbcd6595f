import { describe, expect, it } from 'vitest';
import { MODELS, findModel, parseParamAssignments, resolveParams } from '../../src/main/engine/models/registry';
import { generateBody } from '../../src/main/engine/models/request';

const vtracer = findModel('vtracer')!;
const tripo = findModel('tripo-retopology')!;

describe('model descriptors', () => {
  it('describe both Scenario models by key and by model id', () => {
    expect(MODELS.map((m) => m.modelId)).toEqual(['model_visioncortex-vtracer', 'model_tripo-retopology']);
    expect(findModel('model_tripo-retopology')).toBe(tripo);
    expect(findModel('nope')).toBeUndefined();
  });

  it('carry every VTracer parameter with the reference defaults and ranges', () => {
    const byName = Object.fromEntries(vtracer.parameters.map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual([
      'presetName', 'colorMode', 'colorPrecision', 'layerDifference', 'hierarchical',
      'mode', 'filterSpeckle', 'cornerThreshold', 'lengthThreshold', 'spliceThreshold',
    ]);
    expect(byName['colorPrecision']).toMatchObject({ default: 6, min: 1, max: 8 });
    expect(byName['layerDifference']).toMatchObject({ default: 16, min: 0, max: 255 });
    expect(byName['lengthThreshold']).toMatchObject({ default: 4, min: 3.5, max: 10 });
    expect(byName['mode']?.enum).toEqual(['spline', 'polygon', 'pixel', 'none']);
    expect(byName['presetName']?.default).toBe('poster');
  });

  it('carry the Tripo parameters with the reference defaults', () => {
    expect(tripo.parameters.map((p) => [p.name, p.default])).toEqual([
      ['faceLimit', undefined],
      ['quad', false],
      ['bake', true],
    ]);
  });

  it('accept images for VTracer and 3D models for Tripo, judged by content kind', () => {
    expect(vtracer.input.kinds).toEqual(['png', 'jpeg', 'webp']);
    expect(tripo.input.kinds).toEqual(['glb', 'gltf', 'obj', 'fbx']);
    expect(vtracer.output.extension).toBe('svg');
    expect(tripo.output.extension).toBe('glb');
  });
});

describe('parameter validation', () => {
  it('uses the model default preset when none is chosen', () => {
    expect(resolveParams(vtracer, undefined, {})).toEqual({ presetName: 'poster' });
    expect(resolveParams(tripo, undefined, {})).toEqual({});
  });

  it('rejects an out-of-range value naming the parameter, the range and the value', () => {
    expect(() => resolveParams(vtracer, 'custom', { colorPrecision: 12 })).toThrow(
      'colorPrecision must be a whole number from 1 to 8 (got 12)',
    );
    expect(() => resolveParams(vtracer, 'custom', { lengthThreshold: 3 })).toThrow('lengthThreshold must be a number from 3.5 to 10 (got 3)');
    expect(() => resolveParams(tripo, undefined, { faceLimit: 0 })).toThrow('faceLimit must be a whole number from 1 to 2000000 (got 0)');
  });

  it('rejects a value outside an enumeration, listing the allowed ones', () => {
    expect(() => resolveParams(vtracer, 'custom', { mode: 'bezier' })).toThrow('mode must be one of "spline", "polygon", "pixel", "none"');
  });

  it('rejects unknown parameters and lists the known ones', () => {
    expect(() => resolveParams(tripo, undefined, { faces: 10 })).toThrow(/unknown parameter faces \(known: faceLimit, quad, bake\)/);
  });

  it('refuses VTracer custom parameters with a preset that would ignore them', () => {
    expect(() => resolveParams(vtracer, 'poster', { colorPrecision: 4, mode: 'polygon' })).toThrow(
      'colorPrecision, mode only apply with presetName "custom"',
    );
    expect(resolveParams(vtracer, 'custom', { colorPrecision: 4, mode: 'polygon' })).toEqual({
      presetName: 'custom', colorPrecision: 4, mode: 'polygon',
    });
  });

  it('expands Kiln presets for Tripo and lets explicit parameters override them', () => {
    expect(resolveParams(tripo, 'game-5k', { faceLimit: 3000 })).toEqual({ faceLimit: 3000, quad: false, bake: true });
    expect(() => resolveParams(tripo, 'ultra', {})).toThrow('unknown preset "ultra" for tripo-retopology');
  });

  it('parses key=value assignments into the parameter types', () => {
    expect(parseParamAssignments(tripo, ['faceLimit=500', 'quad=true'])).toEqual({ faceLimit: 500, quad: true });
    expect(() => resolveParams(tripo, undefined, parseParamAssignments(tripo, ['quad=yes']))).toThrow('quad must be true or false');
    expect(() => parseParamAssignments(tripo, ['quad'])).toThrow('--param expects key=value');
  });

  it('builds the generate body with the input asset in the parameter the API expects', () => {
    expect(generateBody(vtracer, { presetName: 'poster' }, 'asset_1')).toEqual({ presetName: 'poster', image: 'asset_1' });
    expect(generateBody(tripo, { faceLimit: 10 }, 'asset_2')).toEqual({ faceLimit: 10, model: 'asset_2' });
  });
});
