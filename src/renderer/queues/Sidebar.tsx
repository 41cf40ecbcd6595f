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
}

function QueueEntry({ queue, model, stats, selected, online, watchProblem, onSelect }: {
  queue: QueueConfig; model: ModelInfo | undefined; stats: QueueStats | undefined; selected: boolean; online: boolean; watchProblem: WatchProblemView | undefined; onSelect(): void;
}) {
  const done = count(stats, 'done');
  const failed = count(stats, 'failed');
  const active = activeCount(stats);
  const total = stats?.total ?? 0;
  // Only while the connection is really down: a few items still backing off after it returned are not "offline".
  const offline = !online && queue.engine !== 'local' && active > 0;
  return (
    <li>
      <button type="button" className={`queue-entry${selected ? ' is-selected' : ''}`} aria-current={selected ? 'page' : undefined} onClick={onSelect}>
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
        </span>
        <span className="bar bar-thin" aria-hidden="true">
          <span className="bar-fill" style={{ transform: `scaleX(${stats?.progress ?? 0})` }} />
        </span>
      </button>
    </li>
  );
}

export function Sidebar({ queues, models, stats, selectedId, view, online, watchProblems, onSelect, onNew, onSettings }: Props) {
  return (
    <nav className="sidebar" aria-label="Queues">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span>Kiln</span>
      </div>
      <div className="sidebar-head">
        <h2>Queues</h2>
        <button type="button" className={`small${view === 'new' ? ' is-pressed' : ''}`} onClick={onNew}>+ New queue</button>
      </div>
      {queues.length === 0 ? (
        <p className="muted sidebar-empty">No queues yet. A queue turns every file dropped on it into one kind of result.</p>
      ) : (
        <ul className="queue-list">
          {queues.map((q) => (
            <QueueEntry key={q.id} queue={q} model={models.find((m) => m.key === q.modelKey)} stats={stats.get(q.id)}
              selected={view === 'queue' && q.id === selectedId} online={online} watchProblem={watchProblems.get(q.id)} onSelect={() => onSelect(q.id)} />
          ))}
        </ul>
      )}
      <div className="sidebar-foot">
        <button type="button" className={`ghost settings-link${view === 'settings' ? ' is-pressed' : ''}`} aria-current={view === 'settings' ? 'page' : undefined} onClick={onSettings}>
          ⚙ Settings
        </button>
      </div>
    </nav>
  );
}
