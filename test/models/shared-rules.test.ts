import { describe, expect, it } from 'vitest';
import { findModel, parseParamAssignments, resolveParams } from '../../src/main/engine/models/registry';
import { renderName } from '../../src/main/engine/output/naming';
import { modelInfo } from '../../src/main/host/views';
import { parseParam } from '../../src/renderer/params/validate';
import { renderTemplate, templateError } from '../../src/renderer/params/template';

/**
 * The queue editor and the engine apply one rule each (src/shared/params.ts, src/shared/naming.ts):
 * for the same bad value they say the same thing, the engine naming the parameter, the form
 * showing it beside the field.
 */
describe('the editor and the engine share their rules', () => {
  const cases: Array<[model: string, param: string, raw: string, mustBe: string]> = [
    ['vtracer', 'colorPrecision', '12', 'must be a whole number from 1 to 8'],
    ['vtracer', 'colorPrecision', '0', 'must be a whole number from 1 to 8'],
    ['vtracer', 'layerDifference', '2.5', 'must be a whole number from 0 to 255'],
    ['vtracer', 'lengthThreshold', '3', 'must be a number from 3.5 to 10'],
    ['vtracer', 'lengthThreshold', 'abc', 'must be a number from 3.5 to 10'],
    ['vtracer', 'mode', 'bezier', 'must be one of "spline", "polygon", "pixel", "none"'],
    ['tripo-retopology', 'faceLimit', '1500.5', 'must be a whole number from 1 to 2000000'],
    ['tripo-retopology', 'quad', 'yes', 'must be true or false'],
  ];

  it.each(cases)('%s %s=%s: both say it %s', (key, param, raw, mustBe) => {
    const model = findModel(key)!;
    const info = modelInfo(model).parameters.find((p) => p.name === param)!;
    expect(parseParam(info, raw)).toEqual({ error: mustBe.charAt(0).toUpperCase() + mustBe.slice(1) });
    const preset = key === 'vtracer' ? 'custom' : undefined;
    expect(() => resolveParams(model, preset, parseParamAssignments(model, [`${param}=${raw}`]))).toThrow(`${param} ${mustBe}`);
  });

  it('both accept the same good values, typed the same way', () => {
    const model = findModel('vtracer')!;
    const info = modelInfo(model).parameters.find((p) => p.name === 'lengthThreshold')!;
    expect(parseParam(info, '3.5')).toEqual({ value: 3.5 });
    expect(resolveParams(model, 'custom', parseParamAssignments(model, ['lengthThreshold=3.5']))).toMatchObject({ lengthThreshold: 3.5 });
  });

  it('refuse the same templates with the same words, and name the file alike when they accept one', () => {
    for (const template of ['', '{dir}/', '{name', '{nme}.{ext}', '{name}/{dir}.{ext}']) {
      const problem = templateError(template);
      expect(problem).toBeTruthy();
      expect(() => renderName(template, { name: 'logo', ext: 'svg', model: 'vtracer' })).toThrow(problem);
    }
    const date = new Date(2026, 0, 2);
    const vars = { name: 'logo', ext: 'svg', model: 'vtracer', preset: 'poster', index: 2, date };
    const template = '{name}-{preset}-{index}-{date}.{ext}';
    expect(renderTemplate(template, { ...vars, dir: 'props' })).toBe(renderName(template, vars));
    expect(renderTemplate(`{dir}/${template}`, { ...vars, dir: 'props' })).toBe(`props/${renderName(template, vars)}`);
  });
});
