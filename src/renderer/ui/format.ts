const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number): string {
  let n = bytes;
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? n : n < 10 ? n.toFixed(1) : Math.round(n)} ${UNITS[unit]}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** The last segment of a path in either separator style. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export const IMAGE_KINDS: ReadonlySet<string> = new Set(['png', 'jpeg', 'jpg', 'webp', 'gif']);
export const MODEL_KINDS: ReadonlySet<string> = new Set(['glb', 'gltf', 'obj', 'fbx']);
