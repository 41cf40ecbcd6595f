/**
 * The naming template's fields, defined once for the engine (src/main/engine/output/naming.ts),
 * the CLI (--name) and the queue editor's live example.
 */
export const NAME_FIELDS = {
  dir: 'the input’s sub-folder inside the folder that was dropped or named (keeps folder trees)',
  name: 'the input file name without its extension',
  ext: 'the output file extension (svg, glb…)',
  model: 'the model used (vtracer, tripo-retopology…)',
  preset: 'the preset used, empty when none',
  index: 'the number of the output within the job, from 1',
  date: 'the date of the conversion, YYYY-MM-DD',
} as const;
export type NameField = keyof typeof NAME_FIELDS;

export const DEFAULT_TEMPLATE = '{name}.{ext}';

/**
 * `{dir}` is a folder, not part of a file name: it may only start a template, followed by a slash
 * (`{dir}/{name}.{ext}`). That keeps every other field inside one file name, and lets the engine
 * resolve the sub-folder once, confined to the output folder.
 */
export const DIR_PREFIX = '{dir}/';
export const KEEP_SUBFOLDERS_TEMPLATE = `${DIR_PREFIX}${DEFAULT_TEMPLATE}`;

export function isNameField(s: string): s is NameField {
  return Object.hasOwn(NAME_FIELDS, s);
}

/** Splits off a leading `{dir}/`: whether the template keeps sub-folders, and the file-name part. */
export function splitDirTemplate(template: string): { keepsFolders: boolean; fileTemplate: string } {
  return template.startsWith(DIR_PREFIX)
    ? { keepsFolders: true, fileTemplate: template.slice(DIR_PREFIX.length) }
    : { keepsFolders: false, fileTemplate: template };
}

/** Turns "Keep sub-folders" on or off on a template, leaving the file-name part as it is. */
export function withSubfolders(template: string, keep: boolean): string {
  const { fileTemplate } = splitDirTemplate(template);
  return keep ? `${DIR_PREFIX}${fileTemplate}` : fileTemplate;
}

/** A field that can appear in a file name: every field but `{dir}`, which is the folder part. */
export type FileField = Exclude<NameField, 'dir'>;
export type TemplateToken = { literal: string } | { field: FileField };
function isFileField(s: string): s is FileField {
  return s !== 'dir' && isNameField(s);
}

export type ParsedTemplate =
  | { ok: true; keepsFolders: boolean; tokens: TemplateToken[] }
  | { ok: false; problem: string };

/**
 * The one parser of naming templates (the engine's src/main/engine/output/naming.ts and the queue
 * editor's live example both use it): the file-name part as literal text and fields, or what is
 * wrong with the template in the artist's words.
 */
export function parseTemplate(template: string): ParsedTemplate {
  const fail = (problem: string): ParsedTemplate => ({ ok: false, problem });
  if (template.trim() === '') return fail(`The naming template is empty; try ${DEFAULT_TEMPLATE}`);
  const { keepsFolders, fileTemplate } = splitDirTemplate(template);
  if (fileTemplate.trim() === '') return fail(`Nothing follows ${DIR_PREFIX}; try ${KEEP_SUBFOLDERS_TEMPLATE}`);
  const tokens: TemplateToken[] = [];
  // A brace outside a {field} is almost always a typo; refusing it beats a surprising file name.
  const literal = (text: string): boolean => {
    if (/[{}]/.test(text)) return false;
    if (text) tokens.push({ literal: text });
    return true;
  };
  const unmatched = () => fail(`The naming template "${template}" has an unmatched brace`);
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(fileTemplate); m; m = re.exec(fileTemplate)) {
    if (!literal(fileTemplate.slice(last, m.index))) return unmatched();
    const field = m[1] ?? '';
    if (field === 'dir') return fail(`{dir} is a folder: it can only start the template, as ${KEEP_SUBFOLDERS_TEMPLATE}`);
    if (!isFileField(field)) {
      return fail(`The naming template "${template}" uses an unknown field {${field}}. Known fields: ${Object.keys(NAME_FIELDS).map((f) => `{${f}}`).join(', ')}`);
    }
    tokens.push({ field });
    last = m.index + m[0].length;
  }
  if (!literal(fileTemplate.slice(last))) return unmatched();
  return { ok: true, keepsFolders, tokens };
}

/** What is wrong with a template in the artist's words, or undefined when the engine accepts it. */
export function templateProblem(template: string): string | undefined {
  const parsed = parseTemplate(template);
  return parsed.ok ? undefined : parsed.problem;
}

/** The file name a parsed template gives for these field values, before any clean-up. */
export function fillTemplate(tokens: readonly TemplateToken[], values: Readonly<Record<FileField, string>>): string {
  return tokens.map((t) => ('literal' in t ? t.literal : values[t.field])).join('');
}

/** A date as the {date} field writes it: YYYY-MM-DD in local time, as the artist sees the date. */
export function templateDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
