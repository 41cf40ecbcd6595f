import { useVirtualizer, type Rect } from '@tanstack/react-virtual';
import { useCallback, useRef, useState, type KeyboardEvent } from 'react';
import type { ItemView } from '../../shared/contract';
import { useApi } from '../transport/context';
import { ItemRow } from './ItemRow';
import { ROW_HEIGHT } from './row-height';

const estimateSize = () => ROW_HEIGHT;

interface Props {
  items: readonly ItemView[];
  electron: boolean;
  onPreview(item: ItemView): void;
  /** Size to assume before the first layout (tests, whose DOM has no layout). */
  initialRect?: Rect;
}

export function ItemList({ items, electron, onPreview, initialRect }: Props) {
  const api = useApi();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  // Stable callbacks: the virtualiser rebuilds its offsets for every item (10,000) whenever
  // getItemKey or estimateSize changes identity — so only when the items do, never per scroll frame.
  const getItemKey = useCallback((i: number) => items[i]?.id ?? i, [items]);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    getItemKey,
    overscan: 1,
    initialRect,
  });
  const activeIndex = Math.min(active, Math.max(0, items.length - 1));

  const moveTo = useCallback((index: number) => {
    const next = Math.max(0, Math.min(items.length - 1, index));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
    // The row may only exist after the virtualiser renders the new window.
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus());
  }, [items.length, virtualizer]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (!(e.target instanceof HTMLElement) || !e.target.matches('.item-row')) return;
    // Alt+↑/↓ moves a waiting item up or down the queue (it will be sent in that order).
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      const item = items[activeIndex];
      const target = e.key === 'ArrowUp' ? activeIndex - 1 : activeIndex + 1;
      if (!item || target < 0 || target >= items.length) return;
      e.preventDefault();
      const beforeId = e.key === 'ArrowUp' ? (items[target]?.id ?? null) : (items[target + 1]?.id ?? null);
      void api.call('items.reorder', { id: item.id, beforeId }).then(() => moveTo(target), () => undefined);
      return;
    }
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / ROW_HEIGHT) - 1);
    const keys: Record<string, number> = {
      ArrowDown: activeIndex + 1, ArrowUp: activeIndex - 1, PageDown: activeIndex + page, PageUp: activeIndex - page, Home: 0, End: items.length - 1,
    };
    const target = keys[e.key];
    if (target === undefined) return;
    e.preventDefault();
    moveTo(target);
  };

  if (items.length === 0) return null;
  const rows = virtualizer.getVirtualItems();
  // Keep exactly one row in the tab order even after the active one scrolled out of the window.
  const tabbable = rows.some((r) => r.index === activeIndex) ? activeIndex : rows[0]?.index;
  return (
    <div className="item-scroll" ref={scrollRef} onKeyDown={onKeyDown} data-testid="item-scroll">
      <div role="list" aria-label="Items" className="item-canvas" style={{ height: virtualizer.getTotalSize() }}>
        {rows.map((row) => {
          const item = items[row.index];
          if (!item) return null;
          return (
            <ItemRow key={item.id} item={item} index={row.index} count={items.length} api={api} electron={electron}
              tabbable={row.index === tabbable} onPreview={onPreview} onFocusRow={setActive}
              top={row.start} height={ROW_HEIGHT} />
          );
        })}
      </div>
    </div>
  );
}
