import { Check, Copy, Download, Eye, FolderOpen, Info, RotateCcw, SquareArrowOutUpRight, Trash2, X } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import type { ItemView, KilnApi } from '../../shared/contract';
import { failureText } from '../../shared/failure-text';
import { errorMessage } from '../transport/errors';
import { baseName } from '../ui/format';
import { useDialog } from '../ui/Dialog';
import { isFinalState } from '../../shared/item-states';
import { canRetry } from './status';

interface Props {
  item: ItemView;
  api: KilnApi;
  electron: boolean;
  top: number;
  height: number;
  onPreview(item: ItemView): void;
}

function IconButton({ label, onClick, children, className }: { label: string; onClick(): void; children: ReactNode; className?: string }) {
  // tabIndex -1: the list is one Tab stop; these have keyboard shortcuts on the focused row (ItemList).
  return (
    <button type="button" className={`icon-button${className ? ` ${className}` : ''}`} tabIndex={-1} aria-label={label} title={label}
      onMouseDown={(e) => e.preventDefault()} onClick={onClick}>
      {children}
    </button>
  );
}

/** Whether the browser can put text on the clipboard here (a secure context, which 127.0.0.1 is). */
const canCopy = () => typeof navigator !== 'undefined' && typeof navigator.clipboard?.writeText === 'function';

/**
 * The actions of one row, shown over the hovered or focused row only: a single toolbar for the whole
 * list, so rows stay lean for fast scrolling (see README, "rows are kept lean").
 */
export function RowActions({ item, api, electron, top, height, onPreview }: Props) {
  const dialog = useDialog();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string>();
  const act = (fn: () => Promise<unknown>) => () => {
    setError(undefined);
    fn().catch((err: unknown) => setError(errorMessage(err)));
  };
  const name = item.inputName;
  const done = item.state === 'done';
  const output = item.outputs[0];
  const failure = item.state === 'failed' ? failureText(item.error, item.failureKind) : undefined;
  return (
    <div className="row-actions" role="toolbar" aria-label={`Actions for ${name}`} style={{ transform: `translateY(${top}px)`, height }}>
      {error && <span className="row-actions-error" role="alert">{error}</span>}
      {done && <IconButton label={`Preview ${name}`} onClick={() => onPreview(item)}><Eye size={16} /></IconButton>}
      {done && output && !electron && (
        <a className="icon-button" tabIndex={-1} href={api.fileUrl(item.id, 'output', 0)} download={baseName(output)}
          aria-label={`Download ${name}'s result`} title={`Download ${baseName(output)}`}><Download size={16} /></a>
      )}
      {done && output && canCopy() && (
        <IconButton label={copied ? 'Path copied' : `Copy the path of ${name}'s result`}
          onClick={act(async () => {
            await navigator.clipboard.writeText(output);
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          })}>
          {copied ? <Check size={16} /> : <Copy size={16} />}
        </IconButton>
      )}
      {done && electron && (
        <>
          <IconButton label={`Show ${name} in folder`} onClick={act(() => api.call('items.reveal', { id: item.id }))}><FolderOpen size={16} /></IconButton>
          <IconButton label={`Open ${name}'s result`} onClick={act(() => api.call('items.open', { id: item.id }))}><SquareArrowOutUpRight size={16} /></IconButton>
        </>
      )}
      {failure && (
        <IconButton label={`Details of ${name}`} onClick={() => void dialog({
          title: `${item.displayPath} could not be converted`,
          body: <><p>{failure.text}</p><details open><summary>Details</summary><pre className="detail-text">{failure.detail || '(no detail recorded)'}</pre></details></>,
        })}><Info size={16} /></IconButton>
      )}
      {canRetry(item) && (
        <IconButton label={`Retry ${name}`} onClick={act(() => api.call('items.retry', { ids: [item.id] }))}><RotateCcw size={16} /></IconButton>
      )}
      {!isFinalState(item.state) && (
        <IconButton label={`Cancel ${name}`} onClick={act(() => api.call('items.cancel', { ids: [item.id] }))}><X size={16} /></IconButton>
      )}
      {isFinalState(item.state) && (
        <IconButton label={`Remove ${name}`} className="is-danger" onClick={act(() => api.call('items.remove', { ids: [item.id] }))}><Trash2 size={16} /></IconButton>
      )}
    </div>
  );
}
