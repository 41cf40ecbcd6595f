import { extname } from 'node:path';
import type { QueueItem } from '../engine/queue/types';

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.obj': 'model/obj',
  '.fbx': 'application/octet-stream',
};

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The only files a preview may read: an item's own input or one of its outputs, by item id.
 * The renderer never names a path, so it cannot read anything else on disk.
 */
export function previewPath(item: QueueItem, which: 'input' | 'output', index = 0): string | undefined {
  return which === 'input' ? item.inputPath : item.outputs[index];
}
