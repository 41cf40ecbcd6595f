import { afterEach, describe, expect, it, vi } from 'vitest';
import { uploadFiles } from '../../src/renderer/transport/upload';

afterEach(() => vi.unstubAllGlobals());

const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

describe('uploadFiles', () => {
  it('posts each file raw under one batch, then commits the batch and returns the AddResult', async () => {
    const requests: Array<{ url: string; init: RequestInit | undefined }> = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string, init?: RequestInit) => {
      requests.push({ url, init });
      return url.startsWith('/api/upload/commit') ? ok({ added: [], skipped: [{ path: 'art/a b.txt', reason: 'not an image' }], rejected: [], alreadyConverted: [] }) : ok({});
    }));
    const files = [new File(['1'], 'a.png'), new File(['2'], 'a b.txt')];
    const result = await uploadFiles('q 1', [{ file: files[0] as File, relativePath: 'art/a.png' }, { file: files[1] as File, relativePath: 'art/a b.txt' }], { redo: true });

    expect(result.skipped).toHaveLength(1);
    const uploads = requests.filter((r) => !r.url.startsWith('/api/upload/commit'));
    expect(uploads).toHaveLength(2);
    const batch = new URL(uploads[0]?.url ?? '', 'http://h').searchParams.get('batch');
    expect(batch).toMatch(/^[0-9a-f-]{36}$/);
    const sentPaths = uploads.map((u) => new URL(u.url, 'http://h'));
    expect(sentPaths.map((u) => u.pathname)).toEqual(['/api/upload', '/api/upload']);
    expect(sentPaths.map((u) => u.searchParams.get('path')).sort()).toEqual(['art/a b.txt', 'art/a.png']);
    expect(sentPaths.every((u) => u.searchParams.get('queueId') === 'q 1' && u.searchParams.get('batch') === batch)).toBe(true);
    expect(uploads[0]?.url).toContain('path=art%2Fa.png');
    expect(uploads.map((u) => u.init?.body)).toEqual(files);
    const commit = requests.find((r) => r.url === '/api/upload/commit');
    expect(JSON.parse(String(commit?.init?.body))).toEqual({ queueId: 'q 1', batch, redo: true });
  });

  it('turns a 4xx error body into a rejection with its code and message', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'not-found', message: 'no such queue' } }), { status: 404 })));
    await expect(uploadFiles('q', [{ file: new File(['x'], 'a.png'), relativePath: 'a.png' }])).rejects.toEqual(
      expect.objectContaining({ code: 'not-found', message: 'no such queue' }),
    );
  });
});
