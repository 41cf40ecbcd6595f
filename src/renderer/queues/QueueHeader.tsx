import { useState } from 'react';
import type { ModelInfo, QueueConfig, QueueStats } from '../../shared/contract';
import { useApi } from '../transport/context';
import { errorMessage } from '../transport/errors';
import { IN_FLIGHT_STATES, RETRYABLE_STATES } from '../../shared/item-states';
import { activeCount, count } from './stats';

interface Props {
  queue: QueueConfig;
  model: ModelInfo | undefined;
  stats: QueueStats | undefined;
  onEdit(): void;
  onAddFiles?(): void;
}

const ENGINE_LABEL: Record<QueueConfig['engine'], string> = { cloud: 'Cloud', local: 'Local', 'cloud-then-local': 'Cloud, local when offline' };

export function QueueHeader({ queue, model, stats, onEdit, onAddFiles }: Props) {
  const api = useApi();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const queueId = queue.id;
  const total = stats?.total ?? 0;
  const done = count(stats, 'done');
  const failed = count(stats, ...RETRYABLE_STATES);
  const active = activeCount(stats);
  const processing = count(stats, ...IN_FLIGHT_STATES);
  const waiting = count(stats, 'waiting-for-network');
  const progress = stats?.progress ?? 0;
  const preset = model?.presets.find((p) => p.name === (queue.preset ?? model.defaultPreset));
  const paused = stats?.paused ?? false;

  return (
    <header className="queue-header">
      <div className="queue-title-row">
        <div className="queue-title">
          <h1>{queue.name}</h1>
          {paused && <span className="badge badge-paused">paused</span>}
        </div>
        <div className="toolbar" role="toolbar" aria-label="Queue actions">
          {onAddFiles && <button type="button" onClick={onAddFiles}>Add files…</button>}
          <button type="button" disabled={busy} onClick={() => run(() => api.call(paused ? 'queues.resume' : 'queues.pause', { queueId }))}>
            {paused ? '▶ Resume' : '❚❚ Pause'}
          </button>
          <button type="button" disabled={busy || active === 0} onClick={() => run(() => api.call('queues.cancelAll', { queueId }))}>Cancel all</button>
          <button type="button" disabled={busy || failed === 0} onClick={() => run(() => api.call('queues.retryFailed', { queueId }))}>Retry failed</button>
          <button type="button" disabled={busy || done === 0} onClick={() => run(() => api.call('queues.clearDone', { queueId }))}>Clear done</button>
          <button type="button" className="ghost" onClick={onEdit}>Edit…</button>
        </div>
      </div>
      <dl className="queue-meta">
        <div><dt>Model</dt><dd>{model?.displayName ?? queue.modelKey}</dd></div>
        <div><dt>Preset</dt><dd>{preset?.label ?? (queue.preset || 'Default')}{Object.keys(queue.params).length > 0 && <span className="muted"> + {Object.keys(queue.params).length} custom</span>}</dd></div>
        <div className="meta-wide"><dt>Output</dt><dd className="mono" title={queue.outputDir}>{queue.outputDir}</dd></div>
        <div><dt>Names</dt><dd className="mono">{queue.nameTemplate}</dd></div>
        {model?.hasLocalEngine && <div><dt>Engine</dt><dd>{ENGINE_LABEL[queue.engine]}</dd></div>}
      </dl>
      <div className="queue-progress">
        <div className="totals" aria-live="polite">
          <strong>{total.toLocaleString('en')}</strong> items
          <span className="dot">·</span><span className="text-good">{done.toLocaleString('en')} done</span>
          {processing > 0 && <><span className="dot">·</span>{processing.toLocaleString('en')} converting</>}
          {count(stats, 'queued') > 0 && <><span className="dot">·</span>{count(stats, 'queued').toLocaleString('en')} queued</>}
          {waiting > 0 && <><span className="dot">·</span><span className="text-warn">{waiting.toLocaleString('en')} waiting for network</span></>}
          {failed > 0 && <><span className="dot">·</span><span className="text-bad">{failed.toLocaleString('en')} failed or canceled</span></>}
          <span className="totals-pct">{Math.floor(progress * 100)}%</span>
        </div>
        <div className="bar bar-big" role="progressbar" aria-label="Queue progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(progress * 100)}>
          <div className="bar-fill" style={{ transform: `scaleX(${progress})` }} />
        </div>
      </div>
      {error && <p className="form-error" role="alert">{error}</p>}
    </header>
  );
}
