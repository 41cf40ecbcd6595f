import { useCallback, useRef, useState, type PointerEvent, type WheelEvent } from 'react';

export interface View { scale: number; x: number; y: number }
const MIN = 0.1;
const MAX = 64;

/**
 * One zoom/pan shared by every pane that uses the handlers, so the image and its SVG stay
 * aligned pixel for pixel. Offsets are relative to the pane centre; zoom keeps the point under
 * the cursor fixed.
 */
export function usePanZoom() {
  const [view, setView] = useState<View>({ scale: 1, x: 0, y: 0 });
  const drag = useRef<{ id: number; x: number; y: number } | null>(null);

  const onWheel = useCallback((e: WheelEvent<HTMLElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const cx = e.clientX - rect.left - rect.width / 2;
    const cy = e.clientY - rect.top - rect.height / 2;
    const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
    setView((v) => {
      const scale = Math.min(MAX, Math.max(MIN, v.scale * factor));
      const k = scale / v.scale;
      return { scale, x: cx - (cx - v.x) * k, y: cy - (cy - v.y) * k };
    });
  }, []);

  const onPointerDown = useCallback((e: PointerEvent<HTMLElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { id: e.pointerId, x: e.clientX, y: e.clientY };
  }, []);

  const onPointerMove = useCallback((e: PointerEvent<HTMLElement>) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    drag.current = { id: d.id, x: e.clientX, y: e.clientY };
    setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));
  }, []);

  const onPointerUp = useCallback((e: PointerEvent<HTMLElement>) => {
    if (drag.current?.id === e.pointerId) drag.current = null;
  }, []);

  const zoomBy = useCallback((factor: number) => setView((v) => {
    const scale = Math.min(MAX, Math.max(MIN, v.scale * factor));
    const k = scale / v.scale;
    return { scale, x: v.x * k, y: v.y * k };
  }), []);
  const reset = useCallback(() => setView({ scale: 1, x: 0, y: 0 }), []);

  return { view, handlers: { onWheel, onPointerDown, onPointerMove, onPointerUp, onPointerCancel: onPointerUp }, zoomBy, reset, setView };
}
