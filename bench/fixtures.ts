/** Inputs for the bench: small real PNGs on disk, and temporary folders that are cleaned up. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

const made: string[] = [];

export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `kiln-bench-${label}-`));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/**
 * A few distinct 32×32 PNGs (two-colour tiles, so traces are not trivial), reused across the
 * files: encoding thousands with sharp would cost seconds and test nothing the bench measures.
 */
async function palette(count: number): Promise<Buffer[]> {
  const tiles: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const hue = (i * 47) % 256;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">` +
      `<rect width="32" height="32" fill="rgb(${hue},${255 - hue},${(hue * 3) % 256})"/>` +
      `<circle cx="16" cy="16" r="${6 + (i % 8)}" fill="rgb(${(hue + 128) % 256},40,90)"/></svg>`;
    tiles.push(await sharp(Buffer.from(svg)).png().toBuffer());
  }
  return tiles;
}

/** Writes `count` PNG files named img-00001.png… into `dir` and returns their paths in order. */
export async function makePngs(dir: string, count: number): Promise<string[]> {
  const tiles = await palette(Math.min(count, 32));
  const paths: string[] = [];
  const batch = 256;
  for (let start = 0; start < count; start += batch) {
    const chunk: Promise<void>[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const path = join(dir, `img-${String(i + 1).padStart(5, '0')}.png`);
      paths.push(path);
      chunk.push(writeFile(path, tiles[i % tiles.length] as Buffer));
    }
    await Promise.all(chunk);
  }
  return paths;
}
