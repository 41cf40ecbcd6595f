import { files } from '../files/calls';
import type { InputKind } from './kinds';

export const HEAD_BYTES = 64 * 1024;

/** Reads the start of a file: enough for every signature and for a text format's first lines. */
export async function readHead(path: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const handle = await files.open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function looksLikeText(head: Buffer): boolean {
  const sample = head.subarray(0, 4096);
  for (const byte of sample) if (byte === 0) return false;
  return true;
}

function isGltfJson(head: Buffer): boolean {
  if (!looksLikeText(head)) return false;
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  // A glTF 2.0 JSON document is an object whose "asset" declares a version.
  return text.startsWith('{') && /"asset"\s*:\s*\{[^}]*"version"\s*:\s*"2\./.test(text);
}

function isObj(head: Buffer): boolean {
  if (!looksLikeText(head)) return false;
  const lines = head.toString('utf8').split(/\r?\n/).slice(0, 2000);
  // Wavefront OBJ is line-oriented; real files declare vertices early and use only known keywords.
  let vertices = 0;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const keyword = line.split(/\s+/, 1)[0] ?? '';
    if (keyword === 'v') vertices++;
    else if (!/^(vt|vn|vp|f|l|p|g|o|s|mtllib|usemtl|cstype|deg|curv|curv2|surf|parm|trim|hole|scrv|sp|end|con|mg|bevel|c_interp|d_interp|lod|shadow_obj|trace_obj|ctech|stech|bmat|step|call|csh)$/.test(keyword)) {
      return false;
    }
  }
  return vertices > 0;
}

/** What a file really is, judged from its first bytes; undefined when Kiln does not know the format. */
export function sniffKind(head: Buffer): InputKind | undefined {
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'glTF') return 'glb';
  if (head.length >= 20 && head.toString('latin1', 0, 18) === 'Kaydara FBX Binary') return 'fbx';
  if (head.length > 0 && looksLikeText(head) && /^\s*;\s*FBX \d/.test(head.toString('latin1', 0, 200))) return 'fbx';
  if (isGltfJson(head)) return 'gltf';
  if (isObj(head)) return 'obj';
  return undefined;
}
