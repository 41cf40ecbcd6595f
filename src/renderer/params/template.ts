/** Mirrors the engine's naming fields so the editor can show a live example without a round trip. */
export const TEMPLATE_FIELDS: Record<string, string> = {
  name: 'input file name without extension',
  ext: 'output extension',
  model: 'model key',
  preset: 'preset name',
  index: 'output number within the job',
  date: 'conversion date, YYYY-MM-DD',
};

export const DEFAULT_TEMPLATE = '{name}.{ext}';

export interface TemplateVars {
  name: string;
  ext: string;
  model: string;
  preset: string;
  index: number;
  date: Date;
}

function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The problem with a template, or undefined when the engine will accept it. */
export function templateError(template: string): string | undefined {
  if (template.trim() === '') return `The template is empty; try ${DEFAULT_TEMPLATE}`;
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (/[{}]/.test(template.slice(last, m.index))) return 'Unmatched brace';
    const field = m[1] ?? '';
    if (!Object.hasOwn(TEMPLATE_FIELDS, field)) return `Unknown field {${field}}`;
    last = m.index + m[0].length;
  }
  if (/[{}]/.test(template.slice(last))) return 'Unmatched brace';
  if (/[/\\]/.test(template.replace(re, ''))) return 'A file name cannot contain / or \\';
  return undefined;
}

export function renderTemplate(template: string, vars: TemplateVars): string {
  const values: Record<string, string> = {
    name: vars.name, ext: vars.ext, model: vars.model, preset: vars.preset, index: String(vars.index), date: isoDate(vars.date),
  };
  return template.replace(/\{([^{}]*)\}/g, (whole, field: string) => values[field] ?? whole);
}
