/**
 * Collects work and runs it once per animation frame, so a burst of events (a thousand progress
 * updates a second) costs one render per frame rather than one per event.
 */
export function frameBatcher(flush: () => void): () => void {
  let scheduled = false;
  const raf: (cb: () => void) => unknown =
    typeof requestAnimationFrame === 'function' ? requestAnimationFrame : (cb) => setTimeout(cb, 16);
  return () => {
    if (scheduled) return;
    scheduled = true;
    raf(() => {
      scheduled = false;
      flush();
    });
  };
}
