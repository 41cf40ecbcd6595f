import type { Connectivity } from './use-kiln';
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
    </div>
  );
}
