import { Box, ImageOff, TriangleAlert } from 'lucide-react';
import { memo, useEffect, useRef, useState, type CSSProperties } from 'react';
import type { ItemView, KilnApi } from '../../shared/contract';
import { failureText } from '../../shared/failure-text';
import { formatBytes, IMAGE_KINDS } from '../ui/format';
import { modelThumbs } from './model-thumbs';
import { thumbLoader } from './thumb-loader';
import { barFraction, statusLabel, statusText } from './status';

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
  /** How long the item has been in its current state, rounded to minutes (0 under a minute) so rows re-render rarely. */
  elapsedMs: number;
  onPreview(item: ItemView): void;
  onFocusRow(index: number): void;
}

const GLTF_KINDS: ReadonlySet<string> = new Set(['glb', 'gltf']);

function Thumb({ item, api }: { item: ItemView; api: KilnApi }) {
  const [broken, setBroken] = useState(false);
  const ref = useRef<HTMLCanvasElement>(null);
  // A file that cannot be converted cannot be pictured either: no fetch, straight to the glyph.
  const unreadable = broken || (item.state === 'failed' && !failureText(item.error, item.failureKind).retryable);
  const isImage = IMAGE_KINDS.has(item.inputKind) && !unreadable;
  const isModel = GLTF_KINDS.has(item.inputKind) && !unreadable;
  const url = api.fileUrl(item.id, 'input', 0);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    if (isImage) return thumbLoader.watch(canvas, url, () => setBroken(true));
    // 3D inputs: rendered once by the shared offscreen viewer, cached, and painted like an image thumbnail.
    if (isModel) return modelThumbs.watch(canvas, url, () => setBroken(true));
    return undefined;
  }, [isImage, isModel, url]);
  if (isImage || isModel) {
    // Empty until the loader paints it, once the row has stayed on screen (see thumb-loader.ts).
    return <canvas ref={ref} className="thumb" width={1} height={1} aria-hidden="true" />;
  }
  const Glyph = IMAGE_KINDS.has(item.inputKind) ? ImageOff : Box;
  return <span className="thumb thumb-glyph" aria-hidden="true"><Glyph size={20} strokeWidth={1.5} /></span>;
}

/**
 * One fixed-height row; memoised on the item so progress on one row re-renders only that row. Its
 * actions are not part of it: ItemList shows one shared toolbar over the hovered or focused row.
 */
export const ItemRow = memo(function ItemRow({ item, index, count, top, height, tabbable, api, elapsedMs, onPreview, onFocusRow, electron }: Props) {
  const style: CSSProperties = { transform: `translateY(${top}px)`, height };
  const done = item.state === 'done';
  const draggable = done && electron && typeof api.startDrag === 'function';
  const failure = item.state === 'failed' ? failureText(item.error, item.failureKind) : undefined;
  const warning = item.warnings?.join('; ');
  const fraction = barFraction(item);
  return (
    <div role="listitem" aria-setsize={count} aria-posinset={index + 1} data-index={index}
      className={`item-row state-${item.state}`} style={style} tabIndex={tabbable ? 0 : -1}
      aria-label={`${item.displayPath}, ${statusText(item)}`}
      draggable={draggable || undefined}
      onDragStart={draggable ? (e) => { e.preventDefault(); api.startDrag?.(item.id); } : undefined}
      onFocus={(e) => { if (e.target === e.currentTarget) onFocusRow(index); }}
      onDoubleClick={done ? () => onPreview(item) : undefined}>
      <Thumb item={item} api={api} />
      <div className="item-main">
        <div className="item-name" title={item.displayPath}>{item.displayPath}</div>
        <div className={`item-sub${failure ? ' is-error' : warning ? ' is-warning' : ''}`}
          title={failure ? `${failure.text}\nDetails: ${failure.detail}` : warning}>
          {failure ? failure.text : warning ? <><TriangleAlert size={12} aria-hidden="true" /> {warning}</> : done && item.outputs[0] ? `→ ${item.outputs[0]}` : formatBytes(item.inputSize)}
        </div>
      </div>
      {/* One element (its bar is drawn by CSS from --progress): fewer elements per row, cheaper fast scrolling. */}
      <div className="item-status" role="progressbar" aria-label={`${item.inputName} progress`} aria-valuemin={0} aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)} aria-valuetext={statusText(item)} style={{ '--progress': fraction } as CSSProperties}>
        {statusLabel(item, elapsedMs)}
        {item.engine === 'local' && <span className="badge badge-local" title="Converted on this computer">local</span>}
      </div>
    </div>
  );
});
