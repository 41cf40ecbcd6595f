/**
 * Kiln's one finishing step on a local VTracer trace: each fill that lies within a few levels of a
 * colour the source really is painted with takes that exact colour.
 *
 * Why: VTracer fills a shape with the mean colour of its cluster, anti-aliased edge pixels
 * included, and truncates that mean (visioncortex's ColorSum::average divides integers), so a flat
 * #F4EFE6 comes back #F3EEE5 — invisible alone, but an artist's brand colours are no longer the
 * values they typed, and over a whole poster it is most of the trace's pixel error (bench/trace.ts
 * measures it). A shape's outline, its number and its colour clusters are VTracer's own; only a
 * fill's last few levels move, and only onto a colour that covers a real share of the source, so a
 * photo (no such colours) and a posterised queue (fills far from any source colour) are left as
 * VTracer drew them.
 */

/** A fill moves at most this many levels per channel. VTracer's truncated means are 1–2 off on flat artwork. */
export const EXACT_COLOUR_TOLERANCE = 3;

/** A source colour counts as painted with when it covers at least this share of the opaque pixels. */
export const PAINTED_SHARE = 0.0005;

/** Counting every pixel of a 4096² image costs more than the trace gains; a regular sample of this many finds the same colours. */
const MAX_SAMPLES = 1 << 18;

/** The exact colours (0xRRGGBB) that cover at least PAINTED_SHARE of the opaque pixels of an RGBA image. */
export function paintedColours(pixels: Uint8Array, width: number, height: number): number[] {
  const total = width * height;
  const stride = Math.max(1, Math.floor(total / MAX_SAMPLES));
  const counts = new Map<number, number>();
  let sampled = 0;
  for (let p = 0; p < total; p += stride) {
    const i = p * 4;
    if (pixels[i + 3] !== 255) continue;
    const key = ((pixels[i] ?? 0) << 16) | ((pixels[i + 1] ?? 0) << 8) | (pixels[i + 2] ?? 0);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    sampled++;
  }
  // At least two samples, so a single stray pixel of a small image is never a "painted" colour.
  const least = Math.max(2, sampled * PAINTED_SHARE);
  const painted: number[] = [];
  for (const [colour, count] of counts) if (count >= least) painted.push(colour);
  return painted;
}

function distance(a: number, b: number): number {
  return Math.max(Math.abs((a >> 16) - (b >> 16)), Math.abs(((a >> 8) & 0xff) - ((b >> 8) & 0xff)), Math.abs((a & 0xff) - (b & 0xff)));
}

const hex = (colour: number): string => `#${colour.toString(16).padStart(6, '0').toUpperCase()}`;

/** The SVG with each `fill="#RRGGBB"` near a painted colour set to that colour (the nearest, when two are near). */
export function withExactColours(svg: string, painted: readonly number[]): string {
  if (painted.length === 0) return svg;
  const chosen = new Map<string, string>();
  return svg.replace(/fill="#([0-9A-Fa-f]{6})"/g, (whole, value: string) => {
    let replacement = chosen.get(value);
    if (replacement === undefined) {
      const fill = parseInt(value, 16);
      let best = fill;
      let bestDistance = EXACT_COLOUR_TOLERANCE + 1;
      for (const colour of painted) {
        const d = distance(fill, colour);
        if (d < bestDistance) {
          best = colour;
          bestDistance = d;
        }
      }
      replacement = best === fill ? whole : `fill="${hex(best)}"`;
      chosen.set(value, replacement);
    }
    return replacement;
  });
}
