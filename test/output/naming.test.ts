import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, NamingError, renderName, sanitizeFileName, validateTemplate } from '../../src/main/engine/output/naming';
import { OutputError } from '../../src/main/engine/output/errors';

const vars = { name: 'Sunset Poster', ext: 'svg', model: 'vtracer', preset: 'illustration', index: 2, date: new Date(2026, 0, 5, 23, 30) };

describe('renderName fields', () => {
  it('renders every field', () => {
    expect(renderName('{name}-{model}-{preset}-{index}-{date}.{ext}', vars)).toBe('Sunset Poster-vtracer-illustration-2-2026-01-05.svg');
  });

  it('takes the base name without extension when given a path (either separator style)', () => {
    expect(renderName('{name}.{ext}', { ...vars, name: '/Users/ana/Art/Sunset Poster.final.png' })).toBe('Sunset Poster.final.svg');
    // A backslash separates folders only on Windows; elsewhere it is part of the name (see posix-names.test.ts).
    expect(renderName('{name}.{ext}', { ...vars, name: 'C:\\Art\\logo.PNG' })).toBe(process.platform === 'win32' ? 'logo.svg' : 'C__Art_logo.svg');
  });

  it('uses the local date, index 1 and an empty preset by default', () => {
    const d = new Date();
    const today = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    expect(renderName('{name}_{index}_{date}{preset}', { name: 'a.png', ext: 'glb', model: 'm' })).toBe(`a_1_${today}.glb`);
  });

  it('appends .ext when the template does not end with it, and accepts ".svg" as ext', () => {
    expect(renderName('{name}', vars)).toBe('Sunset Poster.svg');
    expect(renderName('{ext}-{name}', vars)).toBe('svg-Sunset Poster.svg');
    expect(renderName('{name}.svg', vars)).toBe('Sunset Poster.svg');
    expect(renderName('{name}.{ext}', { ...vars, ext: '.glb' })).toBe('Sunset Poster.glb');
  });
});

describe('template validation', () => {
  it('names the unknown field and lists the known ones', () => {
    expect(() => validateTemplate('{name}-{size}.{ext}')).toThrow(NamingError);
    expect(() => validateTemplate('{name}-{size}.{ext}')).toThrow(/unknown field \{size\}.*\{name\}, \{ext\}, \{model\}, \{preset\}, \{index\}, \{date\}/);
    expect(() => renderName('{Name}', vars)).toThrow(/unknown field \{Name\}/);
  });

  it('refuses stray braces and empty templates', () => {
    expect(() => validateTemplate('{name')).toThrow(/unmatched brace/);
    expect(() => validateTemplate('name}')).toThrow(/unmatched brace/);
    expect(() => validateTemplate('')).toThrow(/empty/);
    expect(() => validateTemplate('   ')).toThrow(/empty/);
  });

  it('accepts valid templates, and naming errors are OutputErrors', () => {
    expect(() => validateTemplate('{name}.{ext}')).not.toThrow();
    expect(() => validateTemplate('converted {date} {name}')).not.toThrow();
    expect(new NamingError('x')).toBeInstanceOf(OutputError);
  });

  it('errors when the result is empty', () => {
    expect(() => renderName('{preset}', { ...vars, preset: '' })).toThrow(/no usable file name/);
    expect(() => renderName('{name}', { ...vars, name: '...' })).toThrow(NamingError);
  });
});

describe('sanitising hostile names', () => {
  const render = (name: string) => renderName('{name}.{ext}', { ...vars, name: `${name}.png` });

  it('never produces a path', () => {
    for (const hostile of ['../../etc/passwd', 'a/b\\c', '..\\..\\Windows\\System32\\x', '/abs/path']) {
      const out = sanitizeFileName(hostile, 'svg');
      expect(out, hostile).not.toMatch(/[/\\]/);
      expect(out.startsWith('.'), hostile).toBe(false);
      expect(out, hostile).not.toBe('..svg');
    }
    expect(sanitizeFileName('../../etc/passwd', 'svg')).toBe('etc_passwd.svg');
    expect(sanitizeFileName('a/b\\c', 'svg')).toBe('a_b_c.svg');
    expect(() => sanitizeFileName('..', 'svg')).toThrow(NamingError);
  });

  it('a template field cannot smuggle a path in either', () => {
    expect(renderName('{preset}/{name}', { ...vars, preset: '../..' })).toBe('Sunset Poster.svg');
  });

  it('replaces characters Windows refuses and removes control characters', () => {
    expect(render('say "hi": <b>|what?*')).toBe("say _hi__ _b__what__.svg");
    expect(render('tab\there\u0000nul\u001bx')).toBe('tabherenulx.svg');
  });

  it('removes bidi controls that could disguise the extension', () => {
    expect(render('invoice\u202Egvs.exe')).toBe('invoicegvs.exe.svg');
  });

  it('defuses Windows device names whatever their case or extension', () => {
    expect(render('CON')).toBe('_CON.svg');
    expect(render('nul')).toBe('_nul.svg');
    expect(render('com1')).toBe('_com1.svg');
    expect(render('LPT9.tar')).toBe('_LPT9.tar.svg');
    expect(render('CONSOLE')).toBe('CONSOLE.svg');
    expect(render('icon')).toBe('icon.svg');
  });

  it('drops leading dots (hidden files) and trailing dots and spaces', () => {
    expect(render('.hidden')).toBe('hidden.svg');
    expect(render('  spaced out . ')).toBe('spaced out.svg');
    expect(renderName('{name}...', vars)).toBe('Sunset Poster.svg');
  });

  it('keeps unicode, emoji and inner spaces', () => {
    expect(render('Café ☕ déjà vu 🎨👩🏽‍🎨')).toBe('Café ☕ déjà vu 🎨👩🏽‍🎨.svg');
    expect(render('日本語のポスター')).toBe('日本語のポスター.svg');
    expect(render('Song... remix')).toBe('Song... remix.svg');
  });

  it('caps at 200 bytes of UTF-8, keeping the extension and whole characters', () => {
    const long = render('x'.repeat(300));
    expect(Buffer.byteLength(long)).toBe(MAX_NAME_BYTES);
    expect(long.endsWith('.svg')).toBe(true);

    const emoji = render('🎨'.repeat(300));
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(emoji).toMatch(/^(🎨)+\.svg$/u);

    const family = render('👩🏽‍🎨'.repeat(100));
    expect(Buffer.byteLength(family)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(family).toMatch(/^(👩🏽‍🎨)+\.svg$/u);
  });
});
