import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { KilnService } from '../host/service';

const route = z.object({ itemId: z.string().min(1).max(128), which: z.enum(['input', 'output']), index: z.coerce.number().int().min(0) });

/**
 * Resolves kiln-file://item/<id>/<input|output>/<index> to a file URL. Only an item's own input or
 * outputs can be reached, by id, so the renderer cannot read arbitrary files through it.
 */
export function resolvePreviewUrl(files: Pick<KilnService, 'itemFile'>, requestUrl: string): string | undefined {
  const url = new URL(requestUrl);
  if (url.hostname !== 'item') return undefined;
  const [itemId, which, index] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const parsed = route.safeParse({ itemId, which, index: index ?? 0 });
  if (!parsed.success) return undefined;
  const path = files.itemFile(parsed.data.itemId, parsed.data.which, parsed.data.index);
  return path ? pathToFileURL(path).href : undefined;
}
