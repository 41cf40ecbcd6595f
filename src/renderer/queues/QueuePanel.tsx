import { FolderInput, Upload } from 'lucide-react';
import { useMemo, useState } from 'react';
import type { HostInfo, ItemView, ModelInfo, QueueConfig, QueueStats, WatchProblemView } from '../../shared/contract';
import { DropZone, type IncomingDrop } from '../drop/DropZone';
import type { ItemStore } from '../items/item-store';
import { ItemList } from '../items/ItemList';
import { FILTERS, type FilterKey } from '../items/status';
import { useQueueItems } from '../items/use-items';
import { QueueHeader } from './QueueHeader';
import { count } from './stats';

interface Props {
  queue: QueueConfig;
  model: ModelInfo | undefined;
  stats: QueueStats | undefined;
  store: ItemStore;
  hostKind: HostInfo['kind'];
  onEdit(): void;
  onPreview(item: ItemView): void;
  watchProblem?: WatchProblemView;
  onDismissWatchProblem(): void;
  /** Files dropped on this queue's sidebar entry, to enqueue here. */
  incoming?: IncomingDrop;
}

function EmptyQueue({ model, onPick }: { model: ModelInfo | undefined; onPick(): void }) {
  return (
    <div className="empty-queue">
      <div className="empty-target">
        <FolderInput className="drop-glyph" size={36} strokeWidth={1.5} aria-hidden="true" />
        <h2>Drop {model?.outputKind === 'glb' ? '3D models' : 'images'} or folders anywhere here</h2>
        <p className="muted">
          {model ? <>Takes {model.inputExtensions.join(', ')}. Each becomes a .{model.outputExtension} in the output folder.</> : null}
          {' '}Other files are listed as skipped, with the reason.
        </p>
        <button type="button" className="primary" onClick={onPick}><Upload size={15} aria-hidden="true" /> Choose files…</button>
      </div>
    </div>
  );
}

function tabCount(stats: QueueStats | undefined, key: FilterKey): number {
  const states = FILTERS[key].states;
  return states ? count(stats, ...states) : (stats?.total ?? 0);
}

/** The selected queue: header, filter tabs and the item list, all of it one drop target. */
export function QueuePanel({ queue, model, stats, store, hostKind, onEdit, onPreview, watchProblem, onDismissWatchProblem, incoming }: Props) {
  const all = useQueueItems(store, queue.id);
  const [filter, setFilter] = useState<FilterKey>('all');
  const items = useMemo(() => {
    const states = FILTERS[filter].states;
    return states ? all.filter((i) => states.has(i.state)) : all;
  }, [all, filter]);
  return (
    <DropZone queueId={queue.id} queueName={queue.name} accepts={model?.inputExtensions ?? []}
      watchProblem={watchProblem} onDismissWatchProblem={onDismissWatchProblem} incoming={incoming}>
      {({ pickFiles }) => (
        <section className="queue-panel" aria-label={queue.name}>
          <QueueHeader queue={queue} model={model} stats={stats} items={all} onEdit={onEdit} onAddFiles={pickFiles} />
          {all.length > 0 && (
            <div className="filter-tabs" role="tablist" aria-label="Show">
              {(Object.keys(FILTERS) as FilterKey[]).map((key) => (
                <button key={key} type="button" role="tab" aria-selected={filter === key} className={`filter-tab${filter === key ? ' is-selected' : ''}`}
                  onClick={() => setFilter(key)}>
                  {FILTERS[key].label} <span className={`tab-count${key === 'failed' && tabCount(stats, key) > 0 ? ' text-bad' : ''}`}>{tabCount(stats, key).toLocaleString('en')}</span>
                </button>
              ))}
            </div>
          )}
          {all.length === 0
            ? <EmptyQueue model={model} onPick={pickFiles} />
            : items.length === 0
              ? <p className="muted filter-empty">No {FILTERS[filter].label.toLowerCase()} items.</p>
              : <ItemList key={`${queue.id}-${filter}`} items={items} electron={hostKind === 'electron'} onPreview={onPreview} stateSince={store.stateSince} />}
          {all.length > 0 && (
            <footer className="queue-foot muted">
              Drop files or folders anywhere on this queue · ↑ ↓ move · Enter previews · R retries · Delete removes · Esc cancels · Alt+↑ ↓ reorders
            </footer>
          )}
        </section>
      )}
    </DropZone>
  );
}
