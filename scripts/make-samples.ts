/**
 * Makes the small real inputs in samples/: flat-colour artwork as PNG and JPEG, and a textured
 * torus-knot GLB of a few thousand faces. They are the project's own, so the demo, tests and
 * benchmark never depend on files from elsewhere. Run again with `npm run samples`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Document, NodeIO } from '@gltf-transform/core';
import sharp from 'sharp';

const badgeSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <rect width="256" height="256" fill="#f4efe6"/>
  <circle cx="128" cy="128" r="100" fill="#e4572e"/>
  <circle cx="128" cy="128" r="64" fill="#f4efe6"/>
  <path d="M128 72 L176 160 L80 160 Z" fill="#29335c"/>
  <rect x="40" y="200" width="176" height="24" rx="12" fill="#f3a712"/>
</svg>`;

const mountainsSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200">
  <rect width="320" height="200" fill="#8ecae6"/>
  <circle cx="250" cy="50" r="26" fill="#ffb703"/>
  <path d="M0 200 L90 70 L170 200 Z" fill="#023047"/>
  <path d="M110 200 L210 90 L320 200 Z" fill="#219ebc"/>
  <path d="M90 70 L112 102 L68 102 Z" fill="#ffffff"/>
</svg>`;

const leafSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192" viewBox="0 0 192 192">
  <rect width="192" height="192" fill="#1b1b1b"/>
  <path d="M96 16 C160 48 160 144 96 176 C32 144 32 48 96 16 Z" fill="#5fad56"/>
  <path d="M96 24 L96 170" stroke="#f2c14e" stroke-width="6"/>
</svg>`;

/** A (2,3) torus knot: a closed tube with UVs, about tubular × radial × 2 triangles. */
function torusKnot(tubular: number, radial: number, radius = 1, tube = 0.28) {
  const positions: number[] = [];
  const normals: number[] = [];
  const uvs: number[] = [];
  const indices: number[] = [];
  const p = 2;
  const q = 3;
  const curve = (u: number): [number, number, number] => {
    const cu = Math.cos(u), su = Math.sin(u), quOverP = (q / p) * u, cs = Math.cos(quOverP);
    return [radius * (2 + cs) * 0.5 * cu, radius * (2 + cs) * 0.5 * su, radius * Math.sin(quOverP) * 0.5];
  };
  for (let i = 0; i <= tubular; i++) {
    const u = (i / tubular) * p * Math.PI * 2;
    const P1 = curve(u);
    const P2 = curve(u + 0.01);
    const T = [P2[0] - P1[0], P2[1] - P1[1], P2[2] - P1[2]];
    const N = [P2[0] + P1[0], P2[1] + P1[1], P2[2] + P1[2]];
    const B = [T[1]! * N[2]! - T[2]! * N[1]!, T[2]! * N[0]! - T[0]! * N[2]!, T[0]! * N[1]! - T[1]! * N[0]!];
    const N2 = [B[1]! * T[2]! - B[2]! * T[1]!, B[2]! * T[0]! - B[0]! * T[2]!, B[0]! * T[1]! - B[1]! * T[0]!];
    const lb = Math.hypot(B[0]!, B[1]!, B[2]!), ln = Math.hypot(N2[0]!, N2[1]!, N2[2]!);
    for (let j = 0; j <= radial; j++) {
      const v = (j / radial) * Math.PI * 2;
      const cx = -tube * Math.cos(v), cy = tube * Math.sin(v);
      const nx = (cx * N2[0]!) / ln + (cy * B[0]!) / lb;
      const ny = (cx * N2[1]!) / ln + (cy * B[1]!) / lb;
      const nz = (cx * N2[2]!) / ln + (cy * B[2]!) / lb;
      positions.push(P1[0] + nx, P1[1] + ny, P1[2] + nz);
      const l = Math.hypot(nx, ny, nz);
      normals.push(nx / l, ny / l, nz / l);
      uvs.push(i / tubular, j / radial);
    }
  }
  for (let i = 1; i <= tubular; i++) {
    for (let j = 1; j <= radial; j++) {
      const a = (radial + 1) * (i - 1) + (j - 1);
      const b = (radial + 1) * i + (j - 1);
      const c = (radial + 1) * i + j;
      const d = (radial + 1) * (i - 1) + j;
      indices.push(a, b, d, b, c, d);
    }
  }
  return { positions, normals, uvs, indices };
}

async function makeGlb(path: string): Promise<number> {
  const doc = new Document();
  const buffer = doc.createBuffer();
  const knot = torusKnot(160, 12);
  const texturePng = await sharp({
    create: { width: 64, height: 64, channels: 3, background: '#c8553d' },
  })
    .composite([{ input: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="32" height="32" fill="#f28f3b"/><rect x="32" y="32" width="32" height="32" fill="#f28f3b"/></svg>') }])
    .png()
    .toBuffer();
  const texture = doc.createTexture('checker').setImage(texturePng).setMimeType('image/png');
  const material = doc.createMaterial('terracotta').setBaseColorTexture(texture).setRoughnessFactor(0.8);
  const prim = doc
    .createPrimitive()
    .setMaterial(material)
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(new Float32Array(knot.positions)).setBuffer(buffer))
    .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(new Float32Array(knot.normals)).setBuffer(buffer))
    .setAttribute('TEXCOORD_0', doc.createAccessor().setType('VEC2').setArray(new Float32Array(knot.uvs)).setBuffer(buffer))
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(new Uint16Array(knot.indices)).setBuffer(buffer));
  const mesh = doc.createMesh('knot').addPrimitive(prim);
  doc.createScene('scene').addChild(doc.createNode('knot').setMesh(mesh));
  await writeFile(path, await new NodeIO().writeBinary(doc));
  return knot.indices.length / 3;
}

const outDir = resolve(process.argv[2] ?? 'samples');
await mkdir(join(outDir, 'images'), { recursive: true });
await mkdir(join(outDir, 'models'), { recursive: true });
await writeFile(join(outDir, 'images', 'badge.png'), await sharp(Buffer.from(badgeSvg)).png().toBuffer());
await writeFile(join(outDir, 'images', 'leaf.png'), await sharp(Buffer.from(leafSvg)).png().toBuffer());
await writeFile(join(outDir, 'images', 'mountains.jpg'), await sharp(Buffer.from(mountainsSvg)).jpeg({ quality: 92 }).toBuffer());
const faces = await makeGlb(join(outDir, 'models', 'torus-knot.glb'));
console.log(`samples written to ${outDir} (torus-knot.glb: ${faces} triangles)`);
