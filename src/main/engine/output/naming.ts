import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  DEFAULT_TEMPLATE, NAME_FIELDS, fillTemplate, parseTemplate as parseShared, splitDirTemplate, templateDate, type FileField, type NameField, type TemplateToken,
} from '../../../shared/naming';
import { OutputError } from './errors';

export { DEFAULT_TEMPLATE, NAME_FIELDS, type NameField };

/** Longest file name produced, in UTF-8 bytes: under every common file system's 255 limit with
 * room left for a collision suffix like " (12)". */
export const MAX_NAME_BYTES = 200;

export interface NameVars {
  /** The input's base name without extension; a full path is accepted and reduced to that. */
  name: string;
  ext: string;
  model: string;
  preset?: string;
  /** 1-based index of the output within the job (default 1). */
  index?: number;
  /** Defaults to now; rendered in local time, as the artist sees the date. */
  date?: Date;
}

export class NamingError extends OutputError {
  override readonly name = 'NamingError';
  constructor(message: string) {
    super(message, { code: 'invalid-name' });
  }
}

/** The file-name tokens of a template (a leading `{dir}/` is the folder part: see resolveSubfolder). */
function parseTemplate(template: string): TemplateToken[] {
  const parsed = parseShared(template);
  if (!parsed.ok) throw new NamingError(parsed.problem);
  return parsed.tokens;
}

/** Throws a NamingError explaining what is wrong with the template, if anything. */
export function validateTemplate(template: string): void {
  parseTemplate(template);
}

/**
 * The base name of a path, without its last extension. Separators are this OS's: on POSIX a
 * backslash is part of a file name (`a\\b.png` is one file), so only Windows splits on it.
 */
function stemOf(nameOrPath: string): string {
  const base = basename(nameOrPath);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

function cleanExt(ext: string): string {
  return ext.replace(/^\.+/, '').replace(/[^\p{L}\p{N}_-]/gu, '');
}

// C0/C1 controls (NUL included) and the bidi controls that can disguise an extension
// ("photo\u202Egvs.exe" displays as "photoexe.svg").
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const WINDOWS_RESERVED_CHARS = /[<>:"|?*]/g;
// Windows refuses these as a name whatever the extension (CON.svg, com1.tar.gz…).
const RESERVED_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

function truncateBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  // Cut between graphemes so an emoji or accented letter is never split into mojibake.
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  let bytes = 0;
  for (const { segment } of segmenter.segment(text)) {
    const b = Buffer.byteLength(segment);
    if (bytes + b > maxBytes) break;
    out += segment;
    bytes += b;
  }
  return out;
}

function cleanStem(raw: string): string {
  let s = raw.normalize('NFC').replace(INVISIBLE, '');
  // Path separators could never survive as a name; drop the "." and ".." parts they delimited so
  // "../../etc/passwd" becomes "etc_passwd" rather than something that still reads as a path.
  s = s
    .split(/[/\\]/)
    .filter((part) => part.trim() !== '' && part.trim() !== '.' && part.trim() !== '..')
    .join('_');
  s = s.replace(WINDOWS_RESERVED_CHARS, '_');
  // Leading dots hide the file on macOS/Linux; trailing dots and spaces are dropped by Windows.
  s = s.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  const firstPart = (s.split('.')[0] ?? '').trimEnd();
  if (RESERVED_DEVICE.test(firstPart)) s = `_${s}`;
  return s;
}

/**
 * Makes one safe file name out of arbitrary text: no separators, controls or characters Windows
 * refuses, not a device name, not hidden, at most MAX_NAME_BYTES bytes with `ext` kept whole.
 * Unicode and spaces are kept. Throws a NamingError when nothing usable is left.
 */
export function sanitizeFileName(raw: string, ext = ''): string {
  const e = cleanExt(ext);
  const suffix = e ? `.${e}` : '';
  let stem = raw;
  if (suffix && stem.toLowerCase().endsWith(suffix.toLowerCase())) stem = stem.slice(0, -suffix.length);
  stem = cleanStem(stem);
  stem = truncateBytes(stem, MAX_NAME_BYTES - Buffer.byteLength(suffix)).replace(/[\s.]+$/, '');
  if (stem === '') throw new NamingError(`"${raw}" leaves no usable file name once unsafe characters are removed`);
  return stem + suffix;
}

/**
 * Renders a naming template into a single safe file name (see sanitizeFileName). The result
 * always ends in `.ext`: it is appended when the template does not put it at the end, so the
 * file opens in the right application whatever the template.
 */
export function renderName(template: string, vars: NameVars): string {
  const tokens = parseTemplate(template);
  const ext = cleanExt(vars.ext);
  const values: Record<FileField, string> = {
    name: stemOf(vars.name),
    ext,
    model: vars.model,
    preset: vars.preset ?? '',
    index: String(vars.index ?? 1),
    date: templateDate(vars.date ?? new Date()),
  };
  const rendered = fillTemplate(tokens, values);
  try {
    return sanitizeFileName(rendered, ext);
  } catch (err) {
    if (err instanceof NamingError) {
      throw new NamingError(`The naming template "${template}" gives no usable file name for "${vars.name}"`);
    }
    throw err;
  }
}

/**
 * Where a `{dir}/…` template puts one input's results: the output folder plus the input's folder
 * relative to what was dropped (`relDir`, either separator), each part cleaned like a file name.
 * ".." and absolute parts are dropped, so a {dir} can never leave the output folder; the result is
 * checked once more after joining. Returns the folder and the file-name part of the template, or
 * the settings unchanged when the template has no {dir}.
 */
export function resolveSubfolder(output: { dir: string; template: string }, relDir: string): { dir: string; template: string } {
  const { keepsFolders, fileTemplate } = splitDirTemplate(output.template);
  if (!keepsFolders) return { dir: output.dir, template: output.template };
  const parts = relDir
    .split(/[/\\]/)
    .filter((p) => p.trim() !== '' && p.trim() !== '.' && p.trim() !== '..')
    .map((p) => sanitizeFileName(p));
  const dir = parts.length === 0 ? output.dir : join(output.dir, ...parts);
  if (!inside(resolve(output.dir), resolve(dir)) || !inside(realOf(output.dir), realOf(dir))) {
    throw new NamingError(`The sub-folder "${relDir}" would leave the output folder ${output.dir}`);
  }
  return { dir, template: fileTemplate };
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of the deepest part of `path` that exists: a sub-folder that is a link out of the output folder is caught. */
function realOf(path: string): string {
  let existing = resolve(path);
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(existing.slice(dirname(existing).length + 1));
    existing = dirname(existing);
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch {
    return resolve(path);
  }
}
