import { WEB_ROUTES } from '../../shared/wire';

/** Where the web host serves an item's input or output file. */
export function fileUrl(itemId: string, which: 'input' | 'output', index = 0): string {
  return `${WEB_ROUTES.files}/${encodeURIComponent(itemId)}/${which}/${index}`;
}
