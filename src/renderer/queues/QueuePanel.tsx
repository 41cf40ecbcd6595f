import type { HostInfo, ItemView, ModelInfo, QueueConfig, QueueStats, WatchProblemView } from '../../shared/contract';
import { DropZone } from '../drop/DropZone';
import type { ItemStore } from '../items/item-store';
import { ItemList } from '../items/ItemList';
import { useQueueItems } from '../items/use-items';
import { QueueHeader } from './QueueHeader';

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
}

function EmptyQueue({ model, onPick }: { model: ModelInfo | undefined; onPick(): void }) {
  return (
    <div className="empty-queue">
      <div className="empty-target">
        <div className="drop-glyph" aria-hidden="true">⤓</div>
        <h2>Drop {model?.outputKind === 'glb' ? '3D models' : 'images'} or folders anywhere here</h2>
        <p className="muted">
          {model ? <>Takes {model.inputExtensions.join(', ')}. Each becomes a .{model.outputExtension} in the output folder.</> : null}
          {' '}Other files are listed as skipped, with the reason.
        </p>
        <button type="button" className="primary" onClick={onPick}>Choose files…</button>
      </div>
    </div>
  );
}

/** The selected queue: header, and the item list, all of it one drop target. */
export function QueuePanel({ queue, model, stats, store, hostKind, onEdit, onPreview, watchProblem, onDismissWatchProblem }: Props) {
  const items = useQueueItems(store, queue.id);
  return (
    <DropZone queueId={queue.id} queueName={queue.name} accepts={model?.inputExtensions ?? []}
      watchProblem={watchProblem} onDismissWatchProblem={onDismissWatchProblem}>
      {({ pickFiles }) => (
        <section className="queue-panel" aria-label={queue.name}>
          <QueueHeader queue={queue} model={model} stats={stats} onEdit={onEdit} onAddFiles={pickFiles} />
          {items.length === 0
            ? <EmptyQueue model={model} onPick={pickFiles} />
            : <ItemList key={queue.id} items={items} electron={hostKind === 'electron'} onPreview={onPreview} />}
          {items.length > 0 && (
            <footer className="queue-foot muted">
              Drop files or folders anywhere on this queue to add them · ↑ ↓ move through items · Alt+↑ ↓ reorders · Enter previews a finished one
            </footer>
          )}
        </section>
      )}
    </DropZone>
  );
}
