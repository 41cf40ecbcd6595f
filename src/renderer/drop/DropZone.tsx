import { FolderInput } from 'lucide-react';
import { useEffect, useEffectEvent, useRef, useState, type DragEvent, type ReactNode } from 'react';
import type { AddResult, WatchProblemView } from '../../shared/contract';
import { useApi } from '../transport/context';
import { errorMessage } from '../transport/errors';
import { collectDrop, type Dropped } from './collect';
import { enqueue, redoSubset } from './enqueue';
import { DropSummary } from './DropSummary';
import { mergeResults, summarizeWatch } from './summary';

interface Props {
  queueId: string;
  queueName: string;
  /** Extensions the queue's model takes, for the overlay hint. */
  accepts: readonly string[];
  /** A function child gets `pickFiles`, which opens a file chooser feeding the same path as a drop. */
  children: ReactNode | ((controls: { pickFiles(): void }) => ReactNode);
  /** What the queue's watch folder could not take, shown under the drop summary until dismissed. */
  watchProblem?: WatchProblemView;
  onDismissWatchProblem?(): void;
  /** A drop made elsewhere for this queue (its sidebar entry): enqueued once, with the same summary. */
  incoming?: IncomingDrop;
}

/** A drop read elsewhere, to be enqueued by the queue's own DropZone; `id` tells two drops apart. */
export interface IncomingDrop {
  id: number;
  queueId: string;
  read(): Promise<Dropped>;
}

type Outcome =
  | { kind: 'busy'; message: string }
  | { kind: 'done'; result: AddResult; dropped: Dropped }
  | { kind: 'error'; message: string };

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

/** The whole queue panel: dropping files or folders anywhere on it enqueues them. */
export function DropZone({ queueId, queueName, accepts, children, watchProblem, onDismissWatchProblem, incoming }: Props) {
  const api = useApi();
  // dragenter/dragleave fire for every child crossed; counting them keeps the overlay steady.
  const depth = useRef(0);
  const [over, setOver] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const picker = useRef<HTMLInputElement>(null);

  const run = async (dropped: Dropped, redo: boolean, previous?: AddResult) => {
    const count = dropped.kind === 'paths' ? dropped.paths.length : dropped.files.length;
    setOutcome({ kind: 'busy', message: redo ? 'Converting again…' : `Adding ${count} ${count === 1 ? 'file' : 'files'}…` });
    try {
      const result = await enqueue(api, queueId, dropped, {
        redo,
        onProgress: (sent, total) => setOutcome({ kind: 'busy', message: `Uploading ${sent} of ${total}…` }),
      });
      setOutcome({ kind: 'done', result: previous ? mergeResults(previous, result) : result, dropped });
    } catch (err) {
      setOutcome({ kind: 'error', message: errorMessage(err) });
    }
  };

  const handled = useRef<number>(undefined);
  // An effect event, so the effect is keyed on the drop, not on run (a new function each render): each drop is enqueued once.
  const runDropped = useEffectEvent((dropped: Parameters<typeof run>[0]) => run(dropped, false));
  useEffect(() => {
    if (!incoming || incoming.queueId !== queueId || handled.current === incoming.id) return;
    handled.current = incoming.id;
    void incoming.read().then(runDropped, (err: unknown) => setOutcome({ kind: 'error', message: errorMessage(err) }));
  }, [incoming, queueId]);

  const onDrop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth.current = 0;
    setOver(false);
    const read = collectDrop(e.dataTransfer, api.pathForFile?.bind(api));
    void read().then((dropped) => run(dropped, false), (err: unknown) => setOutcome({ kind: 'error', message: errorMessage(err) }));
  };

  const onPicked = (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    input.value = '';
    if (files.length === 0) return;
    const pathOf = api.pathForFile?.bind(api);
    const dropped: Dropped = pathOf
      ? { kind: 'paths', paths: files.map((f) => pathOf(f)).filter((p): p is string => Boolean(p)) }
      : { kind: 'files', files: files.map((file) => ({ file, relativePath: file.name })) };
    void run(dropped, false);
  };

  return (
    <div className={`dropzone${over ? ' is-over' : ''}`} data-testid="dropzone"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={onDrop}>
      {typeof children === 'function' ? children({ pickFiles: () => picker.current?.click() }) : children}
      <input ref={picker} type="file" multiple hidden accept={accepts.map((e) => (e.startsWith('.') ? e : `.${e}`)).join(',')}
        onChange={(e) => onPicked(e.currentTarget)} data-testid="file-picker" />
      {(outcome || watchProblem) && (
        <div className="drop-summaries">
          {outcome && (
            <DropSummary
              busy={outcome.kind === 'busy' ? outcome.message : undefined}
              error={outcome.kind === 'error' ? outcome.message : undefined}
              result={outcome.kind === 'done' ? outcome.result : undefined}
              onRedo={outcome.kind === 'done' && outcome.result.alreadyConverted.length > 0
                ? () => run(redoSubset(outcome.dropped, outcome.result), true, outcome.result)
                : undefined}
              onDismiss={() => setOutcome(undefined)} />
          )}
          {watchProblem && (
            <DropSummary
              text={summarizeWatch(watchProblem.files, watchProblem.message)}
              result={{ added: [], skipped: [], rejected: watchProblem.files, alreadyConverted: [] }}
              onDismiss={() => onDismissWatchProblem?.()} />
          )}
        </div>
      )}
      {over && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-card">
            <FolderInput className="drop-glyph" size={36} strokeWidth={1.5} />
            <div className="drop-title">Drop to add to “{queueName}”</div>
            <div className="muted">Files and folders · {accepts.join(', ')}</div>
          </div>
        </div>
      )}
    </div>
  );
}
