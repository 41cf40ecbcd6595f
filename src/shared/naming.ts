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

/** What is wrong with a template in the artist's words, or undefined when the engine accepts it. */
export function templateProblem(template: string): string | undefined {
  if (template.trim() === '') return `The naming template is empty; try ${DEFAULT_TEMPLATE}`;
  const { fileTemplate } = splitDirTemplate(template);
  if (fileTemplate.trim() === '') return `Nothing follows ${DIR_PREFIX}; try ${KEEP_SUBFOLDERS_TEMPLATE}`;
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(fileTemplate); m; m = re.exec(fileTemplate)) {
    if (/[{}]/.test(fileTemplate.slice(last, m.index))) return `The naming template "${template}" has an unmatched brace`;
    const field = m[1] ?? '';
    if (field === 'dir') return `{dir} is a folder: it can only start the template, as ${KEEP_SUBFOLDERS_TEMPLATE}`;
    if (!isNameField(field)) {
      return `The naming template "${template}" uses an unknown field {${field}}. Known fields: ${Object.keys(NAME_FIELDS).map((f) => `{${f}}`).join(', ')}`;
    }
    last = m.index + m[0].length;
  }
  if (/[{}]/.test(fileTemplate.slice(last))) return `The naming template "${template}" has an unmatched brace`;
  return undefined;
}
