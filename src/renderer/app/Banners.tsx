import { Gauge, KeyRound, RefreshCw, WifiOff, X } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { UnreadableItem } from '../../shared/contract';
import { useApi } from '../transport/context';
import type { ConnectionState } from '../transport/ws-client';
import type { Connectivity } from './use-kiln';

interface Props {
  connectivity: Connectivity | undefined;
  /** Items waiting for the network now, across queues (from the live stats, not the last connectivity event). */
  waiting: number;
  /** No key pair is stored: nothing was refused, there is simply nothing to send yet. */
  noCredentials: boolean;
  authFailure: string | undefined;
  /** Scenario's limit of jobs at once for the team, and the artist's own setting. */
  teamLimit: { limit: number | undefined; concurrency: number | undefined };
  transport: ConnectionState;
  onOpenSettings(): void;
  onDismissAuth(): void;
  onTryNow(): void;
}

/** Problems that affect every queue, shown above whatever view is open. */
export function Banners({ connectivity, waiting, noCredentials, authFailure, teamLimit, transport, onOpenSettings, onDismissAuth, onTryNow }: Props) {
  return (
    <div className="banners">
      {transport === 'closed' && (
        <div className="banner banner-warn" role="status">
          <span className="spinner" aria-hidden="true" /> Reconnecting to Kiln… Your queues keep running; this window catches up when it is back.
        </div>
      )}
      {connectivity && !connectivity.online && (
        <div className="banner banner-warn" role="status">
          <WifiOff size={16} aria-hidden="true" />
          <span><strong>Offline</strong> — {waiting.toLocaleString('en')} {waiting === 1 ? 'item' : 'items'} waiting; Kiln resumes by itself when Scenario can be reached.</span>
          <button type="button" className="small" onClick={onTryNow}><RefreshCw size={13} aria-hidden="true" /> Try now</button>
        </div>
      )}
      {noCredentials ? (
        <div className="banner banner-warn" role="status">
          <KeyRound size={16} aria-hidden="true" />
          <span><strong>No API key yet</strong> — add your Scenario key and secret to convert with the cloud.</span>
          <button type="button" className="small" onClick={onOpenSettings}>Open Settings</button>
        </div>
      ) : authFailure && (
        <div className="banner banner-bad" role="alert">
          <KeyRound size={16} aria-hidden="true" />
          <span><strong>Scenario refused the API key</strong> — check the key and secret in Settings; queues wait until then.</span>
          <button type="button" className="small" onClick={onOpenSettings}>Open Settings</button>
          <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" onClick={onDismissAuth}><X size={15} /></button>
        </div>
      )}
      <TeamLimitBanner {...teamLimit} />
      <UnreadableItemsBanner />
    </div>
  );
}

/**
 * Scenario runs fewer jobs at once for the team than "Conversions at once" asks: Kiln keeps to
 * Scenario's number (the runner's jobLimit, src/main/engine/queue/runner.ts), and without this the artist would
 * only see fewer items processing than they set, and wonder why.
 */
export function TeamLimitBanner({ limit, concurrency }: { limit: number | undefined; concurrency: number | undefined }) {
  const [dismissed, setDismissed] = useState<number>();
  if (limit === undefined || concurrency === undefined || limit >= concurrency || dismissed === limit) return null;
  return (
    <div className="banner banner-info" role="status">
      <Gauge size={16} aria-hidden="true" />
      <span>
        <strong>Scenario runs {limit} {limit === 1 ? 'job' : 'jobs'} at once for your team</strong> — Kiln keeps to that, so at most {limit} of
        your {concurrency} conversions at once run in the cloud and the others wait their turn. Nothing fails because of it.
      </span>
      <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" onClick={() => setDismissed(limit)}><X size={15} /></button>
    </div>
  );
}

/**
 * Items the queue database holds but cannot read back: their queues' lists leave them out, so
 * without this an item would silently vanish. Loaded with the window (rows found before it opened)
 * and added to by item.unreadable events.
 */
export function UnreadableItemsBanner() {
  const api = useApi();
  const [items, setItems] = useState<ReadonlyMap<string, UnreadableItem>>(new Map());
  const [dismissed, setDismissed] = useState(false);
  useEffect(() => {
    const add = (found: readonly UnreadableItem[]) => {
      if (found.length === 0) return;
      setItems((old) => new Map([...old, ...found.map((i) => [i.itemId, i] as const)]));
      setDismissed(false);
    };
    const off = api.on('item.unreadable', (item) => add([item]));
    api.call('items.unreadable', {}).then(add, () => undefined);
    return off;
  }, [api]);
  if (items.size === 0 || dismissed) return null;
  const n = items.size;
  return (
    <div className="banner banner-bad" role="alert">
      <strong>{n === 1 ? 'An item' : `${n.toLocaleString('en')} items`} could not be read from Kiln's queue database</strong>
      {' '}— {n === 1 ? 'it is' : 'they are'} left out of the queue lists. Results already saved are untouched in their folders; add the files again to convert them.
      <details className="muted">
        <summary>Details</summary>
        {[...items.values()].map((i) => <div key={i.itemId}>{i.detail}</div>)}
      </details>
      <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" onClick={() => setDismissed(true)}><X size={15} /></button>
    </div>
  );
}
