import { DEFAULT_TEMPLATE, fillTemplate, NAME_FIELDS, parseTemplate, templateDate } from '../../shared/naming';

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

/** The problem with a template, or undefined when the engine will accept it. */
export function templateError(template: string): string | undefined {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return parsed.problem;
  // The engine would quietly turn a separator into "_"; here the artist is told to use Keep sub-folders instead.
  if (parsed.tokens.some((t) => 'literal' in t && /[/\\]/.test(t.literal))) return 'A file name cannot contain / or \\ (use Keep sub-folders for folders)';
  return undefined;
}

/** The example path a template gives (the engine's own parser; no clean-up), or undefined when the template is refused. */
export function renderTemplate(template: string, vars: TemplateVars): string | undefined {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return undefined;
  const name = fillTemplate(parsed.tokens, {
    name: vars.name, ext: vars.ext, model: vars.model, preset: vars.preset, index: String(vars.index), date: templateDate(vars.date),
  });
  return parsed.keepsFolders ? `${vars.dir}/${name}` : name;
}
