import { useEffect, useRef, useState } from 'react';
import type { LoadedModel, ModelViewer } from './three-viewer';

interface Props {
  inputUrl: string | undefined;
  outputUrl: string;
  inputLabel: string;
  outputLabel: string;
  /** Why the input has no viewer (e.g. an FBX, which GLTFLoader cannot read). */
  inputUnavailable?: string;
}

type Loaded = { state: 'loading' } | { state: 'ok'; info: LoadedModel } | { state: 'error'; message: string };

function faces(l: Loaded): string {
  if (l.state === 'loading') return 'loading…';
  if (l.state === 'error') return '—';
  return `${l.info.faces.toLocaleString('en')} faces`;
}

/**
 * The 3D input beside its low-poly result. Loaded lazily (dynamic import) so three.js stays out
 * of the main bundle; the two cameras orbit together.
 */
export default function ModelCompare({ inputUrl, outputUrl, inputLabel, outputLabel, inputUnavailable }: Props) {
  const leftHost = useRef<HTMLDivElement>(null);
  const rightHost = useRef<HTMLDivElement>(null);
  const viewers = useRef<ModelViewer[]>([]);
  const [wireframe, setWireframe] = useState(false);
  const [left, setLeft] = useState<Loaded>({ state: 'loading' });
  const [right, setRight] = useState<Loaded>({ state: 'loading' });
  const [fatal, setFatal] = useState<string>();

  useEffect(() => {
    let disposed = false;
    const created: ModelViewer[] = [];
    void import('./three-viewer').then(({ ModelViewer: Viewer }) => {
      if (disposed) return;
      try {
        const pairs: Array<[HTMLDivElement | null, string | undefined, (l: Loaded) => void]> = [
          [leftHost.current, inputUrl, setLeft],
          [rightHost.current, outputUrl, setRight],
        ];
        for (const [host, url, set] of pairs) {
          if (!host || !url) continue;
          const v = new Viewer(host);
          created.push(v);
          v.load(url).then((info) => !disposed && set({ state: 'ok', info }), (err: unknown) => !disposed && set({ state: 'error', message: err instanceof Error ? err.message : 'could not load' }));
        }
      } catch (err) {
        setFatal(`3D preview needs WebGL, which this window cannot create (${err instanceof Error ? err.message : 'unknown error'}).`);
        return;
      }
      viewers.current = created;
      // Orbiting one view moves the other: a guard stops the echo from bouncing back.
      let syncing = false;
      for (const v of created) {
        v.controls.addEventListener('change', () => {
          if (syncing) return;
          syncing = true;
          for (const other of created) if (other !== v) other.follow(v);
          syncing = false;
        });
      }
    });
    return () => {
      disposed = true;
      for (const v of created) v.dispose();
      viewers.current = [];
    };
  }, [inputUrl, outputUrl]);

  useEffect(() => {
    for (const v of viewers.current) v.setWireframe(wireframe);
  }, [wireframe, left, right]);

  if (fatal) return <p className="form-error">{fatal}</p>;
  const reduction = left.state === 'ok' && right.state === 'ok' && left.info.faces > 0
    ? Math.round((1 - right.info.faces / left.info.faces) * 100) : undefined;

  return (
    <div className="compare">
      <div className="compare-panes">
        <figure className="compare-pane">
          <figcaption>{inputLabel} <span className="muted">· {inputUnavailable ? 'no preview' : faces(left)}</span></figcaption>
          <div className="compare-stage three-stage" ref={leftHost}>
            {inputUnavailable && <p className="stage-note">{inputUnavailable}</p>}
            {left.state === 'error' && <p className="stage-note">Could not load the input: {left.message}</p>}
          </div>
        </figure>
        <figure className="compare-pane">
          <figcaption>{outputLabel} <span className="muted">· {faces(right)}{reduction !== undefined && reduction > 0 ? ` (−${reduction}%)` : ''}</span></figcaption>
          <div className="compare-stage three-stage" ref={rightHost}>
            {right.state === 'error' && <p className="stage-note">Could not load the result: {right.message}</p>}
          </div>
        </figure>
      </div>
      <div className="compare-tools">
        <label className="check">
          <input type="checkbox" checked={wireframe} onChange={(e) => setWireframe(e.currentTarget.checked)} /> Wireframe
        </label>
        <span className="muted">Drag to orbit · right-drag to pan · scroll to zoom · both views move together</span>
      </div>
    </div>
  );
}
