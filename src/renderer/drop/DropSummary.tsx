import { X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { failureText } from '../../shared/failure-text';
import type { AddResult } from '../../shared/contract';
import { baseName } from '../ui/format';
import { summarize } from './summary';

interface Props {
  busy?: string;
  error?: string;
  result?: AddResult;
  /** Replaces the drop summary line (the watch folder's has no "added"). */
  text?: string;
  onRedo?: () => void;
  onDismiss(): void;
}

const AUTO_CLOSE_MS = 5000;

/** The one-line result of a drop, with every skipped or failed file's reason a click away. */
export function DropSummary({ busy, error, result, text, onRedo, onDismiss }: Props) {
  const [open, setOpen] = useState(false);
  const reasons = result ? [
    ...result.skipped.map((s) => ({ ...s, kind: 'Skipped' })),
    // The plain words where the failure is a known kind; an unrecognised reason is clearer as it is.
    ...result.rejected.map((s) => ({ ...s, reason: failureText(s.reason).kind === 'unknown' ? s.reason : failureText(s.reason).text, kind: 'Failed' })),
    ...result.alreadyConverted.map((s) => ({ path: s.path, reason: 'already converted with these settings', kind: 'Done before' })),
  ] : [];
  const tone = error || text || (result && result.rejected.length > 0) ? 'warn' : 'ok';
  // A plain success says its piece and goes: nothing to decide, so nothing to dismiss.
  const autoClose = !busy && tone === 'ok' && !onRedo && !open;
  const dismiss = useRef(onDismiss);
  dismiss.current = onDismiss;
  useEffect(() => {
    if (!autoClose) return;
    const timer = setTimeout(() => dismiss.current(), AUTO_CLOSE_MS);
    return () => clearTimeout(timer);
  }, [autoClose, result]);
  return (
    <div className={`drop-summary tone-${busy ? 'busy' : tone}`} role="status" aria-live="polite">
      <div className="drop-summary-line">
        {busy && <span className="spinner" aria-hidden="true" />}
        <span className="drop-summary-text">{busy ?? error ?? text ?? (result && summarize(result))}</span>
        {onRedo && result && (
          <button type="button" className="small" onClick={onRedo}>
            Convert again ({result.alreadyConverted.length})
          </button>
        )}
        {reasons.length > 0 && (
          <button type="button" className="small ghost" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {open ? 'Hide details' : 'Details'}
          </button>
        )}
        {!busy && <button type="button" className="icon-button" aria-label="Dismiss" title="Dismiss" onClick={onDismiss}><X size={15} /></button>}
      </div>
      {open && (
        <ul className="drop-reasons">
          {reasons.map((r, i) => (
            <li key={`${r.path}-${i}`}><span className={`tag tag-${r.kind === 'Failed' ? 'bad' : 'muted'}`}>{r.kind}</span> <strong title={r.path}>{r.path.includes('/') && !r.path.startsWith('/') ? r.path : baseName(r.path)}</strong> — {r.reason}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
