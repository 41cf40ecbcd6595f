import { describe, expect, it } from 'vitest';
import { isAbsolutePath } from '../../src/shared/paths';

describe('a queue folder must be a full path', () => {
  it.each([
    ['/Users/ana/Art/svg', 'a POSIX path'],
    ['/', 'the root'],
    ['C:\\Art\\svg', 'a drive letter with a backslash'],
    ['d:/art/svg', 'a drive letter with a slash'],
    ['\\\\nas\\art\\logos', 'a Windows network share (a studio NAS)'],
    ['\\\\nas.local\\art', 'a network share by host name'],
    ['//nas/art', 'a share written with slashes'],
  ])('accepts %s (%s)', (path) => {
    expect(isAbsolutePath(path)).toBe(true);
  });

  it.each([
    ['', 'nothing'],
    ['Art/svg', 'a relative path'],
    ['./svg', 'a dot-relative path'],
    ['C:Art', 'a drive-relative path'],
    ['~/Art', 'a home shortcut the shell would expand'],
    ['\\\\', 'a share with no server'],
    ['\\Art', 'a path relative to the current drive'],
  ])('refuses %j (%s)', (path) => {
    expect(isAbsolutePath(path)).toBe(false);
  });
});
