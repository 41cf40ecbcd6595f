import { DEFAULT_TEMPLATE, NAME_FIELDS, splitDirTemplate, templateProblem } from '../../shared/naming';

/** The engine's naming fields (src/shared/naming.ts), for the editor's list and live example. */
export const TEMPLATE_FIELDS: Readonly<Record<string, string>> = NAME_FIELDS;
export { DEFAULT_TEMPLATE };

export interface TemplateVars {
  /** The example input's sub-folder, for {dir}. */
  dir: string;
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
  const problem = templateProblem(template);
  if (problem) return problem;
  if (/[/\\]/.test(splitDirTemplate(template).fileTemplate.replace(/\{([^{}]*)\}/g, ''))) return 'A file name cannot contain / or \\ (use Keep sub-folders for folders)';
  return undefined;
}

export function renderTemplate(template: string, vars: TemplateVars): string {
  const values: Record<string, string> = {
    dir: vars.dir, name: vars.name, ext: vars.ext, model: vars.model, preset: vars.preset, index: String(vars.index), date: isoDate(vars.date),
  };
  return template.replace(/\{([^{}]*)\}/g, (whole, field: string) => values[field] ?? whole);
}
