import { Plus, Settings } from 'lucide-react';
import { useState, type DragEvent } from 'react';
import type { ModelInfo, QueueConfig, QueueStats, WatchProblemView } from '../../shared/contract';
import { activeCount, count } from './stats';

interface Props {
  queues: readonly QueueConfig[];
  models: readonly ModelInfo[];
  stats: ReadonlyMap<string, QueueStats>;
  selectedId: string | undefined;
  view: 'queue' | 'settings' | 'new';
  online: boolean;
  /** Per queue: what its watch folder could not take, until dismissed on the queue. */
  watchProblems: ReadonlyMap<string, WatchProblemView>;
  onSelect(id: string): void;
  onNew(): void;
  onSettings(): void;
  /** Files dropped on a queue's entry: added to that queue. */
  onDropFiles(queueId: string, dataTransfer: DataTransfer): void;
}

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

function QueueEntry({ queue, model, stats, selected, online, watchProblem, onSelect, onDropFiles }: {
  queue: QueueConfig; model: ModelInfo | undefined; stats: QueueStats | undefined; selected: boolean; online: boolean; watchProblem: WatchProblemView | undefined;
  onSelect(): void; onDropFiles(dataTransfer: DataTransfer): void;
}) {
  const [over, setOver] = useState(false);
  const done = count(stats, 'done');
  const failed = count(stats, 'failed');
  const active = activeCount(stats);
  const total = stats?.total ?? 0;
  // Only while the connection is really down: a few items still backing off after it returned are not "offline".
  const offline = !online && queue.engine !== 'local' && active > 0;
  return (
    <li onDragOver={(e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      setOver(true);
    }}
    onDragLeave={() => setOver(false)}
    onDrop={(e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(false);
      onDropFiles(e.dataTransfer);
    }}>
      <button type="button" className={`queue-entry${selected ? ' is-selected' : ''}${over ? ' is-drop-target' : ''}`} aria-current={selected ? 'page' : undefined} onClick={onSelect}
        data-testid={`queue-entry-${queue.name}`}>
        <span className="queue-entry-top">
          <span className="queue-entry-name">{queue.name}</span>
          {stats?.paused && <span className="badge badge-paused">paused</span>}
          {offline && <span className="badge badge-offline">offline</span>}
          {watchProblem && (
            <span className="badge badge-warn" title="The watch folder had a problem: open the queue for the reasons">
              {watchProblem.files.length > 0 ? `${watchProblem.files.length} not added` : 'watch folder'}
            </span>
          )}
        </span>
        <span className="queue-entry-model">{model?.displayName ?? queue.modelKey}</span>
        <span className="queue-entry-counts">
          {total === 0 ? 'empty' : `${done.toLocaleString('en')} / ${total.toLocaleString('en')} done`}
          {active > 0 && <> · {active.toLocaleString('en')} active</>}
          {failed > 0 && <span className="text-bad"> · {failed.toLocaleString('en')} failed</span>}
          {count(stats, 'canceled') > 0 && <> · {count(stats, 'canceled').toLocaleString('en')} canceled</>}
        </span>
        <span className="bar bar-thin" aria-hidden="true">
          <span className="bar-fill" style={{ transform: `scaleX(${stats?.progress ?? 0})` }} />
        </span>
      </button>
    </li>
  );
}

export function Sidebar({ queues, models, stats, selectedId, view, online, watchProblems, onSelect, onNew, onSettings, onDropFiles }: Props) {
  return (
    <nav className="sidebar" aria-label="Queues">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span>Kiln</span>
      </div>
      <div className="sidebar-head">
        <h2>Queues</h2>
        <button type="button" className={`small${view === 'new' ? ' is-pressed' : ''}`} onClick={onNew}><Plus size={14} aria-hidden="true" /> New queue</button>
      </div>
      {queues.length === 0 ? (
        <p className="muted sidebar-empty">No queues yet. A queue turns every file dropped on it into one kind of result.</p>
      ) : (
        <ul className="queue-list">
          {queues.map((q) => (
            <QueueEntry key={q.id} queue={q} model={models.find((m) => m.key === q.modelKey)} stats={stats.get(q.id)}
              selected={view === 'queue' && q.id === selectedId} online={online} watchProblem={watchProblems.get(q.id)} onSelect={() => onSelect(q.id)} onDropFiles={(dt) => onDropFiles(q.id, dt)} />
          ))}
        </ul>
      )}
      <div className="sidebar-foot">
        <button type="button" className={`ghost settings-link${view === 'settings' ? ' is-pressed' : ''}`} aria-current={view === 'settings' ? 'page' : undefined} onClick={onSettings}>
          <Settings size={15} aria-hidden="true" /> Settings
        </button>
      </div>
    </nav>
  );
}
