import { Maximize, ZoomIn, ZoomOut } from 'lucide-react';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { usePanZoom } from './use-pan-zoom';

interface Props {
  inputUrl: string;
  outputUrl: string;
  inputLabel: string;
  outputLabel: string;
}

function Pane({ url, label, transform, handlers, checker }: {
  url: string; label: string; transform: string; checker: boolean; handlers: ReturnType<typeof usePanZoom>['handlers'];
}) {
  return (
    <figure className="compare-pane">
      <figcaption>{label}</figcaption>
      <div className={`compare-stage${checker ? ' checker' : ''}`} {...handlers}>
        {/* Both are fitted to the same box, so input and SVG appear at the same size. */}
        <img src={url} alt={label} draggable={false} style={{ transform }} />
      </div>
    </figure>
  );
}

/** The input image beside its SVG, with one wheel zoom and drag pan driving both. */
export function ImageCompare({ inputUrl, outputUrl, inputLabel, outputLabel }: Props) {
  const { view, handlers, zoomBy, reset } = usePanZoom();
  const root = useRef<HTMLDivElement>(null);
  const transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;

  // React's onWheel is passive, so the page would scroll too; a native listener can prevent that.
  useEffect(() => {
    const el = root.current;
    if (!el) return;
    const stop = (e: WheelEvent) => e.preventDefault();
    el.addEventListener('wheel', stop, { passive: false });
    return () => el.removeEventListener('wheel', stop);
  }, []);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === '+' || e.key === '=') zoomBy(1.25);
    else if (e.key === '-') zoomBy(0.8);
    else if (e.key === '0') reset();
    else return;
    e.preventDefault();
  };

  return (
    <div className="compare" ref={root} onKeyDown={onKeyDown}>
      <div className="compare-panes">
        <Pane url={inputUrl} label={inputLabel} transform={transform} handlers={handlers} checker />
        <Pane url={outputUrl} label={outputLabel} transform={transform} handlers={handlers} checker />
      </div>
      <div className="compare-tools">
        <button type="button" className="icon-button" onClick={() => zoomBy(0.8)} aria-label="Zoom out" title="Zoom out"><ZoomOut size={16} /></button>
        <span className="zoom-readout" aria-live="polite">{Math.round(view.scale * 100)}%</span>
        <button type="button" className="icon-button" onClick={() => zoomBy(1.25)} aria-label="Zoom in" title="Zoom in"><ZoomIn size={16} /></button>
        <button type="button" className="small ghost" onClick={reset}><Maximize size={14} aria-hidden="true" /> Fit</button>
        <span className="muted">Scroll to zoom · drag to pan · both sides move together</span>
      </div>
    </div>
  );
}
