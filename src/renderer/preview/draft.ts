import type { VtracerSettings } from '../../shared/vtracer';

/**
 * Longest side of the quick draft shown while the artist is still changing settings: VTracer on
 * a 2048² sample takes seconds, a 512² draft a few hundred ms (bench/trace.ts measures both).
 */
export const DRAFT_SIDE = 512;

/** A draft traced at `scale` of the sample: the speckle filter (a side in pixels) shrinks with it. */
export function draftSettings(settings: VtracerSettings, scale: number): VtracerSettings {
  return { ...settings, filterSpeckle: Math.round(settings.filterSpeckle * scale) };
}
