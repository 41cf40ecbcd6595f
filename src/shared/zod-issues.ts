import type { z } from 'zod';

/** A zod error as one line: each issue prefixed by the path of the field it is about. */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
