// Judges uploaded bytes the way a real service would: by content, not by the name or declared type.

export type ImageFormat = 'png' | 'jpeg' | 'webp';
export type ModelFormat = 'glb' | 'gltf' | 'obj' | 'fbx';

export const IMAGE_MIME: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

export const MODEL_MIME: Record<ModelFormat, string> = {
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
  obj: 'model/obj',
  fbx: 'application/octet-stream',
};

export function sniffImage(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    return 'webp';
  }
  return undefined;
}

function isText(bytes: Buffer): boolean {
  return !bytes.subarray(0, 4096).includes(0);
}

/** Checks a GLB's container: the header length must match the file and the chunks must tile it. */
function checkGlb(bytes: Buffer): string | undefined {
  if (bytes.length < 20) return `GLB is truncated: ${bytes.length} bytes is shorter than a GLB header`;
  const version = bytes.readUInt32LE(4);
  if (version !== 2) return `GLB version ${version} is not supported (expected 2)`;
  const declared = bytes.readUInt32LE(8);
  if (declared !== bytes.length) {
    return `GLB header declares ${declared} bytes but the file has ${bytes.length} bytes (truncated or corrupt)`;
  }
  let offset = 12;
  let first = true;
  while (offset < bytes.length) {
    if (offset + 8 > bytes.length) return `GLB chunk header at byte ${offset} is truncated`;
    const length = bytes.readUInt32LE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    if (first && type !== 'JSON') return 'GLB first chunk is not JSON';
    if (offset + 8 + length > bytes.length) return `GLB chunk "${type.replace(/\0/g, '')}" overruns the file`;
    if (first) {
      try {
        const json: unknown = JSON.parse(bytes.toString('utf8', offset + 8, offset + 8 + length));
        if (typeof json !== 'object' || json === null || !('asset' in json)) return 'GLB JSON chunk has no "asset"';
      } catch {
        return 'GLB JSON chunk is not valid JSON';
      }
    }
    first = false;
    offset += 8 + length;
  }
  if (first) return 'GLB has no chunks';
  return undefined;
}

function checkGltfJson(bytes: Buffer): boolean {
  try {
    const json: unknown = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
    if (typeof json !== 'object' || json === null || !('asset' in json)) return false;
    const asset: unknown = json.asset;
    return typeof asset === 'object' && asset !== null && 'version' in asset && typeof asset.version === 'string';
  } catch {
    return false;
  }
}

function looksLikeObj(bytes: Buffer): boolean {
  const lines = bytes.subarray(0, 256 * 1024).toString('utf8').split(/\r?\n/).slice(0, 2000);
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

export type ModelCheck = { ok: true; format: ModelFormat } | { ok: false; error: string };

/** Identifies a 3D file and, for GLB, checks its structure, so corrupt uploads fail with a reason. */
export function checkModel(bytes: Buffer): ModelCheck {
  if (bytes.length >= 4 && bytes.toString('latin1', 0, 4) === 'glTF') {
    const problem = checkGlb(bytes);
    return problem ? { ok: false, error: problem } : { ok: true, format: 'glb' };
  }
  if (bytes.length >= 18 && bytes.toString('latin1', 0, 18) === 'Kaydara FBX Binary') return { ok: true, format: 'fbx' };
  if (isText(bytes)) {
    const head = bytes.toString('latin1', 0, 200);
    if (/^\s*;\s*FBX \d/.test(head)) return { ok: true, format: 'fbx' };
    if (/^\uFEFF?\s*\{/.test(bytes.toString('utf8', 0, 64))) {
      return checkGltfJson(bytes)
        ? { ok: true, format: 'gltf' }
        : { ok: false, error: 'file looks like JSON but is not a glTF 2.0 document (no "asset.version")' };
    }
    if (looksLikeObj(bytes)) return { ok: true, format: 'obj' };
  }
  const magic = bytes.subarray(0, 4).toString('hex');
  return { ok: false, error: `file is not a GLB, glTF, OBJ or FBX model (first bytes 0x${magic})` };
}
