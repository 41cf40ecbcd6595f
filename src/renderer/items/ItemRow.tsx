import { memo, useEffect, useRef, useState, type CSSProperties } from 'react';
import type { ItemView, KilnApi } from '../../shared/contract';
import { errorMessage } from '../transport/errors';
import { formatBytes, IMAGE_KINDS } from '../ui/format';
import { ModelGlyph } from '../ui/icons';
import { thumbLoader } from './thumb-loader';
import { ACTIVE_STATES, barFraction, RETRYABLE_STATES, statusLabel, statusText } from './status';

interface Props {
  item: ItemView;
  index: number;
  count: number;
  /** Offset of the row in the list; a number (not a style object) so memo can skip unchanged rows while scrolling. */
  top: number;
  height: number;
  tabbable: boolean;
  api: KilnApi;
  electron: boolean;
  onPreview(item: ItemView): void;
  onFocusRow(index: number): void;
}

function Thumb({ item, api }: { item: ItemView; api: KilnApi }) {
  const [broken, setBroken] = useState(false);
  const ref = useRef<HTMLCanvasElement>(null);
  const isImage = IMAGE_KINDS.has(item.inputKind) && !broken;
  const url = api.fileUrl(item.id, 'input', 0);
  useEffect(() => {
    const canvas = ref.current;
    if (!isImage || !canvas) return;
    return thumbLoader.watch(canvas, url, () => setBroken(true));
  }, [isImage, url]);
  if (isImage) {
    // Empty until the loader paints it, once the row has stayed on screen (see thumb-loader.ts).
    return <canvas ref={ref} className="thumb" width={1} height={1} aria-hidden="true" />;
  }
  return <span className="thumb thumb-glyph" aria-hidden="true"><ModelGlyph kind={item.inputKind} /></span>;
}

/** One fixed-height row; memoised on the item so progress on one row re-renders only that row. */
export const ItemRow = memo(function ItemRow({ item, index, count, top, height, tabbable, api, electron, onPreview, onFocusRow }: Props) {
  const style: CSSProperties = { transform: `translateY(${top}px)`, height };
  const [actionError, setActionError] = useState<string>();
  const act = (fn: () => Promise<unknown>) => () => {
    setActionError(undefined);
    fn().catch((err: unknown) => setActionError(errorMessage(err)));
  };
  const done = item.state === 'done';
  const draggable = done && electron && typeof api.startDrag === 'function';
  const detail = actionError ?? (item.state === 'failed' ? item.error : undefined) ?? item.warnings?.join('; ');
  const fraction = barFraction(item);
  return (
    <div role="listitem" aria-setsize={count} aria-posinset={index + 1} data-index={index}
      className={`item-row state-${item.state}`} style={style} tabIndex={tabbable ? 0 : -1}
      aria-label={`${item.inputName}, ${statusText(item)}`}
      draggable={draggable || undefined}
      onDragStart={draggable ? (e) => { e.preventDefault(); api.startDrag?.(item.id); } : undefined}
      onFocus={(e) => { if (e.target === e.currentTarget) onFocusRow(index); }}
      onKeyDown={(e) => {
        if (e.target === e.currentTarget && (e.key === 'Enter' || e.key === ' ') && done) {
          e.preventDefault();
          onPreview(item);
        }
      }}>
      <Thumb item={item} api={api} />
      <div className="item-main">
        <div className="item-name" title={item.inputPath}>{item.inputName}</div>
        <div className={`item-sub${detail ? ' is-error' : ''}`} title={detail ?? item.inputPath}>
          {detail ?? (done && item.outputs[0] ? `→ ${item.outputs[0]}` : item.inputPath)}
        </div>
      </div>
      <div className="item-size">{formatBytes(item.inputSize)}</div>
      {/* One element (its bar is drawn by CSS from --progress): fewer elements per row, cheaper fast scrolling. */}
      <div className="item-status" role="progressbar" aria-label={`${item.inputName} progress`} aria-valuemin={0} aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)} aria-valuetext={statusText(item)} style={{ '--progress': fraction } as CSSProperties}>
        {statusLabel(item)}
        {item.engine === 'local' && <span className="badge badge-local" title="Converted on this computer">local</span>}
      </div>
      <div className="item-actions">
        {ACTIVE_STATES.has(item.state) && (
          <button type="button" className="small" onClick={act(() => api.call('items.cancel', { ids: [item.id] }))} aria-label={`Cancel ${item.inputName}`}>Cancel</button>
        )}
        {RETRYABLE_STATES.has(item.state) && (
          <button type="button" className="small" onClick={act(() => api.call('items.retry', { ids: [item.id] }))} aria-label={`Retry ${item.inputName}`}>Retry</button>
        )}
        {done && (
          <button type="button" className="small" onClick={() => onPreview(item)} aria-label={`Preview ${item.inputName}`}>Preview</button>
        )}
        {done && electron && (
          <>
            <button type="button" className="small ghost" onClick={act(() => api.call('items.reveal', { id: item.id }))} aria-label={`Show ${item.inputName} in folder`} title="Show in folder">Reveal</button>
            <button type="button" className="small ghost" onClick={act(() => api.call('items.open', { id: item.id }))} aria-label={`Open ${item.inputName}'s result`} title="Open with the default app">Open</button>
          </>
        )}
      </div>
    </div>
  );
});
