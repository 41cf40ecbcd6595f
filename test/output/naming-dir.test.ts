import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NamingError, renderName, resolveSubfolder, validateTemplate } from '../../src/main/engine/output/naming';
import { KEEP_SUBFOLDERS_TEMPLATE, splitDirTemplate, withSubfolders } from '../../src/shared/naming';

const out = '/art/out';

describe('the {dir} naming field', () => {
  it('puts a result in the input’s sub-folder, inside the output folder', () => {
    expect(resolveSubfolder({ dir: out, template: '{dir}/{name}.{ext}' }, join('sub1', 'deeper'))).toEqual({ dir: join(out, 'sub1', 'deeper'), template: '{name}.{ext}' });
    expect(resolveSubfolder({ dir: out, template: '{dir}/{name}.{ext}' }, '')).toEqual({ dir: out, template: '{name}.{ext}' });
    expect(resolveSubfolder({ dir: out, template: '{name}.{ext}' }, 'sub1')).toEqual({ dir: out, template: '{name}.{ext}' });
  });

  it('can never leave the output folder, whatever the relative folder says', () => {
    for (const rel of ['../../etc', '/etc', '..\\..\\Windows', 'a/../../..', './..']) {
      const { dir } = resolveSubfolder({ dir: out, template: '{dir}/{name}.{ext}' }, rel);
      expect(dir === out || dir.startsWith(`${out}/`)).toBe(true);
      expect(dir).not.toContain('..');
    }
    expect(resolveSubfolder({ dir: out, template: '{dir}/{name}.{ext}' }, 'a\\b').dir).toBe(join(out, 'a', 'b'));
  });

  it('cleans each folder name like a file name', () => {
    expect(resolveSubfolder({ dir: out, template: '{dir}/{name}.{ext}' }, 'CON/bad:name').dir).toBe(join(out, '_CON', 'bad_name'));
  });

  it('is only accepted as the leading folder of a template', () => {
    expect(() => validateTemplate('{dir}/{name}.{ext}')).not.toThrow();
    expect(() => validateTemplate('{name}-{dir}.{ext}')).toThrow(NamingError);
    expect(() => validateTemplate('{dir}/')).toThrow(/Nothing follows/);
    // The runner renders the file-name part; a leading {dir}/ is never part of a file name.
    expect(renderName('{dir}/{name}.{ext}', { name: 'a.png', ext: 'svg', model: 'vtracer' })).toBe('a.svg');
  });

  it('is what "Keep sub-folders" switches on and off', () => {
    expect(withSubfolders('{name}-{date}.{ext}', true)).toBe('{dir}/{name}-{date}.{ext}');
    expect(withSubfolders('{dir}/{name}.{ext}', false)).toBe('{name}.{ext}');
    expect(splitDirTemplate(KEEP_SUBFOLDERS_TEMPLATE)).toEqual({ keepsFolders: true, fileTemplate: '{name}.{ext}' });
  });
});

describe('the {dir} naming field on disk', () => {
  it('refuses a sub-folder that is a link leading out of the output folder', async () => {
    const { mkdtemp, mkdir, symlink, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const root = await mkdtemp(join(tmpdir(), 'kiln-dir-'));
    try {
      await mkdir(join(root, 'out'));
      await mkdir(join(root, 'elsewhere'));
      await symlink(join(root, 'elsewhere'), join(root, 'out', 'props'));
      expect(() => resolveSubfolder({ dir: join(root, 'out'), template: '{dir}/{name}.{ext}' }, 'props/chairs')).toThrow(/would leave the output folder/);
      expect(resolveSubfolder({ dir: join(root, 'out'), template: '{dir}/{name}.{ext}' }, 'sets/chairs').dir).toBe(join(root, 'out', 'sets', 'chairs'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
