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
