import { CheckCheck, Eye, Pause, Play, Plus, RotateCcw, Settings2, Trash2, XCircle } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import type { ItemView, ModelInfo, QueueConfig, QueueStats } from '../../shared/contract';
import { splitDirTemplate } from '../../shared/naming';
import { useApi } from '../transport/context';
import { errorMessage } from '../transport/errors';
import { useDialog } from '../ui/Dialog';
import { canRetry } from '../items/status';
import { IN_FLIGHT_STATES, isRetryableState } from '../../shared/item-states';
import { activeCount, count } from './stats';

interface Props {
  queue: QueueConfig;
  model: ModelInfo | undefined;
  stats: QueueStats | undefined;
  /** The queue's items (for "Clear failed", which removes them by id). */
  items: readonly ItemView[];
  onEdit(): void;
  onAddFiles?(): void;
}

const ENGINE_LABEL: Record<QueueConfig['engine'], string> = { cloud: 'Cloud', local: 'Local', 'cloud-then-local': 'Cloud, local when offline' };

function ToolButton({ label, disabled, onClick, children }: { label: string; disabled?: boolean; onClick(): void; children: ReactNode }) {
  return <button type="button" className="icon-button" aria-label={label} title={label} disabled={disabled} onClick={onClick}>{children}</button>;
}

export function QueueHeader({ queue, model, stats, items, onEdit, onAddFiles }: Props) {
  const api = useApi();
  const dialog = useDialog();
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
  const failed = count(stats, 'failed');
  const canceled = count(stats, 'canceled');
  const active = activeCount(stats);
  const processing = count(stats, ...IN_FLIGHT_STATES);
  const waiting = count(stats, 'waiting-for-network');
  const progress = stats?.progress ?? 0;
  const preset = model?.presets.find((p) => p.name === (queue.preset ?? model.defaultPreset));
  const paused = stats?.paused ?? false;
  // Only what Retry can help: a broken file stays broken (src/shared/failure-text.ts).
  const retryable = items.filter(canRetry).map((i) => i.id);
  const clearFailed = async () => {
    const ids = items.filter((i) => isRetryableState(i.state)).map((i) => i.id);
    if (ids.length === 0) return;
    const what = [failed > 0 ? `${failed.toLocaleString('en')} failed` : '', canceled > 0 ? `${canceled.toLocaleString('en')} canceled` : ''].filter(Boolean).join(' and ');
    const ok = await dialog({
      title: `Remove ${what} ${ids.length === 1 ? 'item' : 'items'}?`,
      body: <p>They leave this list; the original files are not touched.</p>,
      confirmLabel: 'Remove',
      danger: true,
    });
    if (ok) await run(() => api.call('items.remove', { ids }));
  };

  return (
    <header className="queue-header">
      <div className="queue-title-row">
        <div className="queue-title">
          <h1 tabIndex={-1} id={`queue-title-${queue.id}`}>{queue.name}</h1>
          {paused && <span className="badge badge-paused">paused</span>}
        </div>
        <div className="toolbar" role="toolbar" aria-label="Queue actions">
          <ToolButton label={paused ? 'Resume the queue' : 'Pause the queue'} disabled={busy}
            onClick={() => void run(() => api.call(paused ? 'queues.resume' : 'queues.pause', { queueId }))}>
            {paused ? <Play size={16} /> : <Pause size={16} />}
          </ToolButton>
          <ToolButton label="Cancel all" disabled={busy || active === 0} onClick={() => void run(() => api.call('queues.cancelAll', { queueId }))}><XCircle size={16} /></ToolButton>
          <ToolButton label="Retry failed" disabled={busy || retryable.length === 0} onClick={() => void run(() => api.call('items.retry', { ids: retryable }))}><RotateCcw size={16} /></ToolButton>
          <ToolButton label="Clear failed" disabled={busy || failed + canceled === 0} onClick={() => void clearFailed()}><Trash2 size={16} /></ToolButton>
          <ToolButton label="Clear done" disabled={busy || done === 0} onClick={() => void run(() => api.call('queues.clearDone', { queueId }))}><CheckCheck size={16} /></ToolButton>
          <ToolButton label="Edit the queue" onClick={onEdit}><Settings2 size={16} /></ToolButton>
          <span className="toolbar-sep" aria-hidden="true" />
          {onAddFiles && <button type="button" className="primary" onClick={onAddFiles}><Plus size={15} aria-hidden="true" /> Add files</button>}
        </div>
      </div>
      <dl className="queue-meta">
        <div><dt>Model</dt><dd>{model?.displayName ?? queue.modelKey}</dd></div>
        <div><dt>Preset</dt><dd>{preset?.label ?? (queue.preset || 'Default')}</dd></div>
        <div className="meta-wide"><dt>Output</dt><dd className="mono" title={queue.outputDir}>{queue.outputDir}</dd></div>
        <div><dt>Names</dt><dd className="mono">{queue.nameTemplate}{splitDirTemplate(queue.nameTemplate).keepsFolders && <span className="muted"> · keeps sub-folders</span>}</dd></div>
        {queue.watchFolder && (
          <div className="meta-wide"><dt><Eye size={11} aria-hidden="true" /> Watching</dt><dd className="mono" title={queue.watchFolder}>{queue.watchFolder}</dd></div>
        )}
        {model?.hasLocalEngine && <div><dt>Engine</dt><dd>{ENGINE_LABEL[queue.engine]}</dd></div>}
      </dl>
      <div className="queue-progress">
        <div className="totals" aria-live="polite">
          <strong>{total.toLocaleString('en')}</strong> items
          <span className="dot">·</span><span className="text-good">{done.toLocaleString('en')} done</span>
          {processing > 0 && <><span className="dot">·</span>{processing.toLocaleString('en')} converting</>}
          {count(stats, 'queued') > 0 && <><span className="dot">·</span>{count(stats, 'queued').toLocaleString('en')} queued</>}
          {waiting > 0 && <><span className="dot">·</span><span className="text-warn">{waiting.toLocaleString('en')} waiting for network</span></>}
          {failed > 0 && <><span className="dot">·</span><span className="text-bad">{failed.toLocaleString('en')} failed</span></>}
          {canceled > 0 && <><span className="dot">·</span><span className="muted">{canceled.toLocaleString('en')} canceled</span></>}
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
