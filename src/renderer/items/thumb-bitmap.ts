/** A thumbnail as a small decoded bitmap, and the messages that carry it from the thumbnail worker. */
export interface ThumbRequest {
  id: number;
  url: string;
}

export type ThumbReply = { id: number; bitmap: ImageBitmap } | { id: number; error: string };

/** Twice the 44 px a row shows, for high-density screens. */
export const THUMB_MAX_PX = 88;

/** The largest size within max × max with the image's proportions, never enlarged. */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Fetches and decodes an image, scaled down to fit THUMB_MAX_PX: a row keeps 88 px of pixels,
 * not the artist's 8K source.
 */
export async function fetchThumbBitmap(url: string): Promise<ImageBitmap> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const full = await createImageBitmap(await res.blob());
  const size = fitWithin(full.width, full.height, THUMB_MAX_PX);
  if (size.width === full.width && size.height === full.height) return full;
  try {
    return await createImageBitmap(full, { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'medium' });
  } finally {
    full.close();
  }
}
