import { describe, expect, it } from 'vitest';
import { renderName } from '../../src/main/engine/output/naming';

/*
 * Issue 14.7: on Linux and macOS a backslash is an ordinary character of a file name, not a
 * separator, so `a\b.png` is a file named "a\b.png" and its result must not lose the "a".
 * (Windows refuses a backslash in a name, so like : or ? it becomes "_" in the output name.)
 */
describe.runIf(process.platform !== 'win32')('names on POSIX', () => {
  const vars = { ext: 'svg', model: 'vtracer' };
  it('a\\b.png keeps its whole name', () => {
    expect(renderName('{name}.{ext}', { ...vars, name: '/art/a\\b.png' })).toBe('a_b.svg');
    expect(renderName('{name}.{ext}', { ...vars, name: 'a\\b.png' })).toBe('a_b.svg');
  });
  it('a forward slash still separates folders', () => {
    expect(renderName('{name}.{ext}', { ...vars, name: '/art/sub/logo.png' })).toBe('logo.svg');
  });
});
