import { useVirtualizer, type Rect } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { ItemView } from '../../shared/contract';
import { useApi } from '../transport/context';
import { ItemRow } from './ItemRow';
import { RowActions } from './RowActions';
import { ROW_HEIGHT } from './row-height';
import { isFinalState } from '../../shared/item-states';
import { canRetry } from './status';

/** How often elapsed times ("Uploading for 3 min…") are brought up to date. */
const ELAPSED_TICK_MS = 20_000;

const estimateSize = () => ROW_HEIGHT;

interface Props {
  items: readonly ItemView[];
  electron: boolean;
  onPreview(item: ItemView): void;
  /** Size to assume before the first layout (tests, whose DOM has no layout). */
  initialRect?: Rect;
  /** When an item entered its current state (ItemStore.stateSince), for stages that last. */
  stateSince?(id: string): number | undefined;
}

export function ItemList({ items, electron, onPreview, initialRect, stateSince }: Props) {
  const api = useApi();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  // The one row whose actions are shown: under the pointer, else the focused one.
  const [hovered, setHovered] = useState<number>();
  const [focusWithin, setFocusWithin] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  // Once per change of the items, not per scroll frame (the list re-renders on every one).
  const anyWorking = useMemo(() => items.some((i) => !isFinalState(i.state) && i.state !== 'queued'), [items]);
  useEffect(() => {
    if (!anyWorking) return;
    const timer = setInterval(() => setNow(Date.now()), ELAPSED_TICK_MS);
    return () => clearInterval(timer);
  }, [anyWorking]);
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
    const current = items[activeIndex];
    // The row's actions by keyboard (its toolbar's buttons are not Tab stops: the list is one).
    if (current && !e.altKey && !e.ctrlKey && !e.metaKey) {
      if ((e.key === 'Enter' || e.key === ' ') && current.state === 'done') {
        e.preventDefault();
        onPreview(current);
        return;
      }
      if ((e.key === 'Delete' || e.key === 'Backspace') && isFinalState(current.state)) {
        e.preventDefault();
        void api.call('items.remove', { ids: [current.id] }).then(() => moveTo(Math.min(activeIndex, items.length - 2)), () => undefined);
        return;
      }
      if (e.key.toLowerCase() === 'r' && canRetry(current)) {
        e.preventDefault();
        void api.call('items.retry', { ids: [current.id] }).catch(() => undefined);
        return;
      }
      if (e.key === 'Escape' && !isFinalState(current.state)) {
        e.preventDefault();
        void api.call('items.cancel', { ids: [current.id] }).catch(() => undefined);
        return;
      }
    }
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
  const shownIndex = hovered ?? (focusWithin ? activeIndex : undefined);
  const shown = shownIndex !== undefined ? items[shownIndex] : undefined;
  const onMouseOver = (e: MouseEvent) => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.item-row');
    if (row) setHovered(Number(row.dataset['index']));
  };
  return (
    <div className="item-scroll" ref={scrollRef} onKeyDown={onKeyDown} data-testid="item-scroll"
      onFocus={() => setFocusWithin(true)}
      onBlur={(e) => { if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setFocusWithin(false); }}>
      <div className="item-canvas" style={{ height: virtualizer.getTotalSize() }} onMouseOver={onMouseOver} onMouseLeave={() => setHovered(undefined)}>
        <div role="list" aria-label="Items" aria-keyshortcuts="Enter Delete R Escape">
          {rows.map((row) => {
            const item = items[row.index];
            if (!item) return null;
            const since = stateSince?.(item.id);
            // Whole minutes only: a row re-renders when its label would change, not every tick.
            const elapsed = since === undefined ? 0 : Math.floor(Math.max(0, now - since) / 60_000) * 60_000;
            return (
              <ItemRow key={item.id} item={item} index={row.index} count={items.length} api={api} electron={electron}
                tabbable={row.index === tabbable} onPreview={onPreview} onFocusRow={setActive}
                top={row.start} height={ROW_HEIGHT} elapsedMs={elapsed} />
            );
          })}
        </div>
        {shown && shownIndex !== undefined && (
          <RowActions key={shown.id} item={shown} api={api} electron={electron} top={shownIndex * ROW_HEIGHT} height={ROW_HEIGHT} onPreview={onPreview} />
        )}
      </div>
    </div>
  );
}
