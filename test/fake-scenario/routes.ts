import type { RouteName } from './types';

export interface RouteMatch {
  name: RouteName;
  /** Path parameters in order (ids, part numbers, model ids). */
  params: string[];
  /** API routes need Basic auth and are subject to API faults; storage/CDN URLs are pre-signed. */
  api: boolean;
}

const table: { method: string[]; pattern: RegExp; name: RouteName }[] = [
  { method: ['POST'], pattern: /^\/v1\/assets$/, name: 'asset-create' },
  { method: ['GET'], pattern: /^\/v1\/assets\/([^/]+)$/, name: 'asset-get' },
  { method: ['POST'], pattern: /^\/v1\/uploads$/, name: 'upload-create' },
  { method: ['GET'], pattern: /^\/v1\/uploads\/([^/]+)$/, name: 'upload-get' },
  { method: ['POST'], pattern: /^\/v1\/uploads\/([^/]+)\/action$/, name: 'upload-complete' },
  { method: ['POST'], pattern: /^\/v1\/generate\/custom\/([^/]+)$/, name: 'generate' },
  { method: ['GET'], pattern: /^\/v1\/jobs\/([^/]+)$/, name: 'job-get' },
  { method: ['POST'], pattern: /^\/v1\/jobs\/([^/]+)\/action$/, name: 'job-cancel' },
  { method: ['PUT'], pattern: /^\/upload-parts\/([^/]+)\/(\d+)$/, name: 'upload-part' },
  { method: ['GET', 'HEAD'], pattern: /^\/cdn\/([^/]+)$/, name: 'download' },
];

export function matchRoute(method: string, pathname: string): RouteMatch {
  for (const route of table) {
    const m = route.pattern.exec(pathname);
    if (m && route.method.includes(method)) {
      const params = m.slice(1).map(safeDecode);
      return { name: route.name, params, api: pathname.startsWith('/v1/') };
    }
  }
  return { name: 'unknown', params: [], api: pathname === '/v1' || pathname.startsWith('/v1/') };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
