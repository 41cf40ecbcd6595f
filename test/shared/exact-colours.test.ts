import { describe, expect, it } from 'vitest';
import { EXACT_COLOUR_TOLERANCE, paintedColours, withExactColours } from '../../src/shared/exact-colours';

/** An RGBA image: `cover` pixels of each colour in order (0xRRGGBB, opaque unless alpha given), the rest transparent. */
function image(width: number, height: number, areas: Array<{ colour: number; cover: number; alpha?: number }>): Uint8Array {
  const pixels = new Uint8Array(width * height * 4);
  // One RGBA pixel as a little-endian word, so an area is one fill.
  const words = new Uint32Array(pixels.buffer);
  let start = 0;
  for (const { colour, cover, alpha = 255 } of areas) {
    const word = ((alpha << 24) | ((colour & 0xff) << 16) | (colour & 0xff00) | (colour >> 16)) >>> 0;
    words.fill(word, start, start + cover);
    start += cover;
  }
  return pixels;
}

const svgWith = (...fills: string[]): string => fills.map((f) => `<path d="M0 0 L1 1 Z" fill="${f}"/>`).join('');

describe('exact flat colours after a local VTracer trace', () => {
  it('finds the colours a flat image is painted with, and not a handful of edge pixels', () => {
    const pixels = image(100, 100, [
      { colour: 0xf4efe6, cover: 7000 },
      { colour: 0x29335c, cover: 2996 },
      // Anti-aliased edge pixels: each colour a few times only.
      { colour: 0x8f8b8a, cover: 2 },
      { colour: 0x5a5c6f, cover: 2 },
    ]);
    expect(paintedColours(pixels, 100, 100).sort()).toEqual([0x29335c, 0xf4efe6].sort());
  });

  it('does not count transparent or half-transparent pixels as painted', () => {
    const pixels = image(100, 100, [
      { colour: 0x112233, cover: 5000, alpha: 128 },
      { colour: 0x445566, cover: 5000 },
    ]);
    expect(paintedColours(pixels, 100, 100)).toEqual([0x445566]);
  });

  it('finds the painted colours of a 4096² image from a sample', () => {
    const side = 4096;
    const pixels = image(side, side, [
      { colour: 0xe4572e, cover: (side * side) / 2 },
      { colour: 0xf3a712, cover: (side * side) / 2 },
    ]);
    expect(paintedColours(pixels, side, side).sort()).toEqual([0xe4572e, 0xf3a712].sort());
  });

  it("gives a fill VTracer truncated a level or two below a painted colour that colour's exact value", () => {
    const out = withExactColours(svgWith('#F3EEE5', '#2B355D', '#E3572E'), [0xf4efe6, 0x29335c, 0xe4572e]);
    expect(out).toBe(svgWith('#F4EFE6', '#29335C', '#E4572E'));
  });

  it('leaves a fill further than the tolerance from every painted colour as VTracer drew it', () => {
    const far = (0xf4 - EXACT_COLOUR_TOLERANCE - 1).toString(16).toUpperCase();
    const fill = `#${far}EFE6`;
    expect(withExactColours(svgWith(fill, '#808080'), [0xf4efe6])).toBe(svgWith(fill, '#808080'));
  });

  it('moves a fill to the nearest of two painted colours within the tolerance', () => {
    expect(withExactColours(svgWith('#101010'), [0x131313, 0x0f1010])).toBe(svgWith('#0F1010'));
  });

  it('changes nothing when the source has no painted colour (a photo)', () => {
    const svg = svgWith('#123456', '#654321');
    expect(withExactColours(svg, [])).toBe(svg);
  });
});
