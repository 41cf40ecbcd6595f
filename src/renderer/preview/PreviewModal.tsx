import { Check, Copy, Download, FolderOpen, SquareArrowOutUpRight, X } from 'lucide-react';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { ItemView, KilnApi, ModelInfo } from '../../shared/contract';
import { baseName, IMAGE_KINDS } from '../ui/format';
import { ImageCompare } from './ImageCompare';

const ModelCompare = lazy(() => import('./ModelCompare'));

interface Props {
  item: ItemView;
  model: ModelInfo | undefined;
  api: KilnApi;
  electron: boolean;
  onClose(): void;
}

const GLTF_KINDS: ReadonlySet<string> = new Set(['glb', 'gltf']);

export function PreviewModal({ item, model, api, electron, onClose }: Props) {
  const closeButton = useRef<HTMLButtonElement>(null);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeButton.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
      // Keep Tab inside the dialog while it is open.
      if (e.key === 'Tab' && dialog.current) {
        const focusable = dialog.current.querySelectorAll<HTMLElement>('button, input, [tabindex="0"], canvas');
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last?.focus(); }
        else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first?.focus(); }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus();
    };
  }, [onClose]);

  const [copied, setCopied] = useState(false);
  const outputName = item.outputs[0] ? baseName(item.outputs[0]) : 'result';
  const output = item.outputs[0];
  const canCopy = typeof navigator.clipboard?.writeText === 'function';
  const is3d = model?.outputKind === 'glb' || !IMAGE_KINDS.has(item.inputKind);
  const outputUrl = api.fileUrl(item.id, 'output', 0);
  const inputUrl = api.fileUrl(item.id, 'input', 0);

  return (
    <div className="modal-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="preview-title" ref={dialog}>
        <header className="modal-head">
          <h2 id="preview-title">{item.displayPath} <span className="muted">→ {outputName}</span></h2>
          {item.engine === 'local' && <span className="badge badge-local">local engine</span>}
          <span className="spacer" />
          {output && !electron && (
            <a className="button small" href={outputUrl} download={outputName}><Download size={14} aria-hidden="true" /> Download</a>
          )}
          {output && canCopy && (
            <button type="button" className="small ghost" onClick={() => void navigator.clipboard.writeText(output).then(() => setCopied(true), () => undefined)}
              title={output}>
              {copied ? <Check size={14} aria-hidden="true" /> : <Copy size={14} aria-hidden="true" />} {copied ? 'Path copied' : 'Copy path'}
            </button>
          )}
          {electron && (
            <>
              <button type="button" className="small ghost" onClick={() => void api.call('items.reveal', { id: item.id })}><FolderOpen size={14} aria-hidden="true" /> Show in folder</button>
              <button type="button" className="small ghost" onClick={() => void api.call('items.open', { id: item.id })}><SquareArrowOutUpRight size={14} aria-hidden="true" /> Open</button>
            </>
          )}
          <button type="button" className="icon-button" ref={closeButton} onClick={onClose} aria-label="Close preview" title="Close (Esc)"><X size={16} /></button>
        </header>
        <div className="modal-body">
          {is3d ? (
            <Suspense fallback={<p className="muted center">Loading the 3D viewer…</p>}>
              <ModelCompare
                inputUrl={GLTF_KINDS.has(item.inputKind) ? inputUrl : undefined}
                inputUnavailable={GLTF_KINDS.has(item.inputKind) ? undefined : `No preview for .${item.inputKind} inputs; the result is shown on the right.`}
                outputUrl={outputUrl} inputLabel={`Input · ${item.inputName}`} outputLabel={`Result · ${outputName}`} />
            </Suspense>
          ) : (
            <ImageCompare inputUrl={inputUrl} outputUrl={outputUrl} inputLabel={`Input · ${item.inputName}`} outputLabel={`SVG · ${outputName}`} />
          )}
        </div>
      </div>
    </div>
  );
}
