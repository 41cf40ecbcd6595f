import { useEffect, useState } from 'react';
import type { UnreadableItem } from '../../shared/contract';
import type { Connectivity } from './use-kiln';
import { useApi } from '../transport/context';
import type { ConnectionState } from '../transport/ws-client';

interface Props {
  connectivity: Connectivity | undefined;
  authFailure: string | undefined;
  transport: ConnectionState;
  onOpenSettings(): void;
  onDismissAuth(): void;
}

/** Problems that affect every queue, shown above whatever view is open. */
export function Banners({ connectivity, authFailure, transport, onOpenSettings, onDismissAuth }: Props) {
  return (
    <div className="banners">
      {transport === 'closed' && (
        <div className="banner banner-warn" role="status">
          <span className="spinner" aria-hidden="true" /> Reconnecting to Kiln… Your queues keep running; this window catches up when it is back.
        </div>
      )}
      {connectivity && !connectivity.online && (
        <div className="banner banner-warn" role="status">
          <strong>Offline</strong> — {connectivity.waiting.toLocaleString('en')} {connectivity.waiting === 1 ? 'item' : 'items'} waiting; Kiln will resume by itself.
          {connectivity.reason && <span className="muted"> ({connectivity.reason})</span>}
        </div>
      )}
      {authFailure && (
        <div className="banner banner-bad" role="alert">
          <strong>Scenario refused the API key</strong> — {authFailure}
          <button type="button" className="small" onClick={onOpenSettings}>Open Settings</button>
          <button type="button" className="small ghost icon" aria-label="Dismiss" onClick={onDismissAuth}>✕</button>
        </div>
      )}
      <UnreadableItemsBanner />
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
      <button type="button" className="small ghost icon" aria-label="Dismiss" onClick={() => setDismissed(true)}>✕</button>
    </div>
  );
}
