import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

export interface DialogRequest {
  title: string;
  body: ReactNode;
  /** Absent: an information dialog with a single Close button. */
  confirmLabel?: string;
  danger?: boolean;
}

type Ask = (request: DialogRequest) => Promise<boolean>;
const DialogContext = createContext<Ask | undefined>(undefined);

/** The in-app replacement for window.confirm/alert: modal, keyboard-first, styled like the app. */
export function useDialog(): Ask {
  const ask = useContext(DialogContext);
  if (!ask) throw new Error('useDialog outside DialogProvider');
  return ask;
}

function DialogBox({ request, onAnswer }: { request: DialogRequest; onAnswer(ok: boolean): void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // The safe choice has focus: Enter on a "Delete?" dialog never deletes by accident.
    box.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') { e.stopPropagation(); onAnswer(false); }
      if (e.key === 'Tab' && box.current) {
        const buttons = box.current.querySelectorAll<HTMLElement>('button');
        const first = buttons[0];
        const last = buttons[buttons.length - 1];
        if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last?.focus(); }
        else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first?.focus(); }
      }
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      previous?.focus();
    };
  }, [onAnswer]);
  return (
    <div className="modal-backdrop dialog-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onAnswer(false); }}>
      <div className="dialog" role={request.confirmLabel ? 'alertdialog' : 'dialog'} aria-modal="true" aria-labelledby="dialog-title" aria-describedby="dialog-body" ref={box}>
        <h2 id="dialog-title">{request.title}</h2>
        <div id="dialog-body" className="dialog-body">{request.body}</div>
        <div className="dialog-buttons">
          {request.confirmLabel ? (
            <>
              <button type="button" data-autofocus onClick={() => onAnswer(false)}>Cancel</button>
              <button type="button" className={request.danger ? 'danger-solid' : 'primary'} onClick={() => onAnswer(true)}>{request.confirmLabel}</button>
            </>
          ) : (
            <button type="button" data-autofocus onClick={() => onAnswer(true)}>Close</button>
          )}
        </div>
      </div>
    </div>
  );
}

export function DialogProvider({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState<{ request: DialogRequest; resolve(ok: boolean): void }>();
  const ask = useCallback<Ask>((request) => new Promise<boolean>((resolve) => setOpen({ request, resolve })), []);
  const answer = useCallback((ok: boolean) => {
    setOpen((current) => {
      current?.resolve(ok);
      return undefined;
    });
  }, []);
  return (
    <DialogContext.Provider value={ask}>
      {children}
      {open && <DialogBox request={open.request} onAnswer={answer} />}
    </DialogContext.Provider>
  );
}
