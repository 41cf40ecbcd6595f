/** Asset lookup, and the connection probe that rides on it. */
import { ValidationError } from './errors';
import type { HttpCore } from './http';
import { AssetEnvelope } from './schemas';
import type { AssetInfo } from './types';

export async function getAsset(http: HttpCore, assetId: string, signal?: AbortSignal): Promise<AssetInfo> {
  const { asset } = await http.json({
    method: 'GET',
    target: { path: `/assets/${encodeURIComponent(assetId)}` },
    route: 'GET /assets/{assetId}',
    schema: AssetEnvelope,
    signal,
  });
  const info: AssetInfo = { id: asset.id };
  if (asset.url) info.url = asset.url;
  if (asset.mimeType) info.mimeType = asset.mimeType;
  if (typeof asset.size === 'number') info.size = asset.size;
  if (asset.name) info.name = asset.name;
  return info;
}

/**
 * *Assumed*: Scenario has no documented "who am I" call, so the probe asks for an asset that cannot
 * exist. The server checks credentials before looking the asset up, so 404 (or 200) proves both
 * that the API is reachable and that the key pair is accepted; 401/403 surface as AuthError and
 * transport failures as NetworkError. Change the probe here and nowhere else.
 */
const PROBE_ASSET_ID = 'asset_kiln-connection-probe';
/** A probe answers "is it up now?": a couple of quick attempts, not the full retry budget. */
const PROBE_RETRIES = 1;

export async function probe(http: HttpCore, signal?: AbortSignal): Promise<void> {
  try {
    await http.send({
      method: 'GET',
      target: { path: `/assets/${PROBE_ASSET_ID}` },
      route: 'GET /assets/{assetId} (connection probe)',
      signal,
      retries: PROBE_RETRIES,
      handle: async (res) => {
        await res.arrayBuffer();
      },
    });
  } catch (err) {
    if (err instanceof ValidationError && err.status === 404) return;
    throw err;
  }
}
