/** File kinds Kiln recognises by content. The extension is only a hint; the bytes decide. */
export type InputKind = 'png' | 'jpeg' | 'webp' | 'glb' | 'gltf' | 'obj' | 'fbx';

export const MIME_BY_KIND: Record<InputKind, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
  obj: 'model/obj',
  // Scenario's upload content type for FBX (docs/scenario-api.md "A local file becomes an asset id").
  fbx: 'application/vnd.autodesk.fbx',
};

export const EXTENSIONS_BY_KIND: Record<InputKind, readonly string[]> = {
  png: ['.png'],
  jpeg: ['.jpg', '.jpeg'],
  webp: ['.webp'],
  glb: ['.glb'],
  gltf: ['.gltf'],
  obj: ['.obj'],
  fbx: ['.fbx'],
};

export const KIND_LABEL: Record<InputKind, string> = {
  png: 'PNG image',
  jpeg: 'JPEG image',
  webp: 'WebP image',
  glb: 'GLB model',
  gltf: 'glTF model',
  obj: 'OBJ model',
  fbx: 'FBX model',
};

export function describeKinds(kinds: readonly InputKind[]): string {
  return kinds.map((k) => KIND_LABEL[k]).join(', ');
}

/** The kinds that are images (the rest are 3D models). */
export const IMAGE_KINDS: ReadonlySet<InputKind> = new Set(['png', 'jpeg', 'webp']);

/**
 * POST /assets takes an image while its `image` text (the data URL, base64) is at most 6 MB.
 * Confirmed limit; *assumed* that it counts the base64 text and that MB means 10^6. Kept here, not in
 * scenario/upload.ts, because the input check (validate.ts) reads such an image whole for the upload.
 */
export const IMAGE_ASSET_MAX_CHARS = 6_000_000;

/** The length of the data URL for `size` bytes of `mime`: what the 6 MB limit is held against. */
export function dataUrlLength(mime: string, size: number): number {
  return `data:${mime};base64,`.length + 4 * Math.ceil(size / 3);
}

/** Whether `size` bytes of `kind` go up inline, as a data URL to POST /assets, rather than through the upload flow. */
export function sentInline(kind: InputKind, size: number): boolean {
  return IMAGE_KINDS.has(kind) && dataUrlLength(MIME_BY_KIND[kind], size) <= IMAGE_ASSET_MAX_CHARS;
}
