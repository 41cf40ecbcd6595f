import { Plus } from 'lucide-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ItemView, KilnApi, QueueConfig } from '../../shared/contract';
import { collectDrop } from '../drop/collect';
import type { IncomingDrop } from '../drop/DropZone';
import { DialogProvider, useDialog } from '../ui/Dialog';
import { PreviewModal } from '../preview/PreviewModal';
import { QueueEditor } from '../queues/QueueEditor';
import { QueuePanel } from '../queues/QueuePanel';
import { Sidebar } from '../queues/Sidebar';
import { SettingsView } from '../settings/SettingsView';
import { ApiProvider } from '../transport/context';
import { errorMessage } from '../transport/errors';
import { Banners } from './Banners';
import { useKiln } from './use-kiln';

type View = 'queue' | 'settings' | 'new' | 'edit';

export function App({ api }: { api: KilnApi }) {
  return (
    <DialogProvider>
      <Shell api={api} />
    </DialogProvider>
  );
}

/**
 * A file dropped where nothing takes it (settings, the editor, a banner) must not make the browser
 * navigate away to show it: the drop targets (a queue, a sidebar entry) handle theirs first.
 */
function useStrayDropGuard(): void {
  useEffect(() => {
    const stop = (e: DragEvent) => {
      if (!Array.from(e.dataTransfer?.types ?? []).includes('Files')) return;
      e.preventDefault();
      if (e.type === 'dragover' && e.dataTransfer && !e.defaultPrevented) e.dataTransfer.dropEffect = 'none';
    };
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, []);
}

function Shell({ api }: { api: KilnApi }) {
  const { state, store, refresh, loadItems, patch, dismissWatchProblem } = useKiln(api);
  const dialog = useDialog();
  const [incoming, setIncoming] = useState<IncomingDrop>();
  const dropCounter = useRef(0);
  const focusQueue = useRef<string>(undefined);
  useStrayDropGuard();
  const [view, setView] = useState<View>('queue');
  const [selectedId, setSelectedId] = useState<string>();
  const [preview, setPreview] = useState<ItemView>();
  const [listError, setListError] = useState<string>();
  const firstRunChecked = useRef(false);

  const { host, queues, models } = state;
  const selected = queues.find((q) => q.id === selectedId) ?? queues[0];

  useEffect(() => {
    if (!state.loaded || firstRunChecked.current) return;
    firstRunChecked.current = true;
    if (host && !host.hasCredentials) setView('settings');
    else if (queues.length === 0) setView('new');
  }, [state.loaded, host, queues.length]);

  // Keyed on the id: a queue's new stats or settings do not reload its items.
  const selectedQueueId = selected?.id;
  useEffect(() => {
    if (!selectedQueueId) return;
    setListError(undefined);
    loadItems(selectedQueueId).catch((err: unknown) => setListError(errorMessage(err)));
  }, [selectedQueueId, loadItems]);

  const select = (id: string) => {
    setSelectedId(id);
    setView('queue');
  };
  // After creating or editing a queue, focus lands on it (its heading), not on the page's start.
  useEffect(() => {
    if (view !== 'queue' || !focusQueue.current) return;
    document.getElementById(`queue-title-${focusQueue.current}`)?.focus();
    focusQueue.current = undefined;
  });
  const onSaved = (q: QueueConfig) => {
    patch({ queues: queues.some((x) => x.id === q.id) ? queues.map((x) => (x.id === q.id ? q : x)) : [...queues, q] });
    focusQueue.current = q.id;
    select(q.id);
  };
  const dropOnQueue = (queueId: string, dataTransfer: DataTransfer) => {
    // Read the drop now: a DataTransfer is emptied once its event handler returns.
    const read = collectDrop(dataTransfer, api.pathForFile?.bind(api));
    dropCounter.current++;
    setIncoming({ id: dropCounter.current, queueId, read });
    select(queueId);
  };
  const remove = async (q: QueueConfig) => {
    const ok = await dialog({
      title: `Delete the queue “${q.name}”?`,
      body: <p>Its list of items goes away. Converted files stay in <span className="mono">{q.outputDir}</span>.</p>,
      confirmLabel: 'Delete queue',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.call('queues.remove', { id: q.id });
      const rest = queues.filter((x) => x.id !== q.id);
      patch({ queues: rest });
      setSelectedId(rest[0]?.id);
      setView(rest.length > 0 ? 'queue' : 'new');
    } catch (err) {
      await dialog({ title: 'The queue could not be deleted', body: <p>{errorMessage(err)}</p> });
    }
  };
  let waitingForNetwork = 0;
  for (const st of state.stats.values()) waitingForNetwork += st.byState['waiting-for-network'] ?? 0;
  const closePreview = useCallback(() => setPreview(undefined), []);
  const electron = host?.kind === 'electron';
  const selectedModel = selected && models.find((m) => m.key === selected.modelKey);

  let main;
  if (!state.loaded) {
    main = <div className="center-page">{state.loadError ? <p className="form-error">Kiln is not answering: {state.loadError}</p> : <p className="muted">Connecting to Kiln…</p>}</div>;
  } else if (view === 'settings') {
    main = (
      <SettingsView host={host} settings={state.settings} welcome={!host?.hasCredentials}
        onCredentialsChanged={() => { patch({ authFailure: undefined }); void refresh(); }}
        onCredentialsVerified={() => patch({ authFailure: undefined })} onSettingsSaved={(settings) => patch({ settings })} />
    );
  } else if (view === 'new' || (view === 'edit' && selected)) {
    main = (
      <div className="editor-page">
        <QueueEditor key={view === 'edit' ? selected?.id : 'new'} models={models} queue={view === 'edit' ? selected : undefined}
          hostKind={host?.kind ?? 'web'} defaultOutputDir={state.settings?.defaultOutputDir ?? ''}
          onSaved={onSaved} onCancel={() => setView(queues.length > 0 ? 'queue' : 'new')}
          onDelete={view === 'edit' && selected ? () => void remove(selected) : undefined} />
      </div>
    );
  } else if (selected) {
    main = (
      <>
        {listError && <p className="form-error">Could not load the items: {listError}</p>}
        <QueuePanel key={selected.id} queue={selected} model={selectedModel} stats={state.stats.get(selected.id)} store={store}
          hostKind={host?.kind ?? 'web'} onEdit={() => setView('edit')} onPreview={setPreview}
          watchProblem={state.watchProblems.get(selected.id)} onDismissWatchProblem={() => dismissWatchProblem(selected.id)}
          incoming={incoming?.queueId === selected.id ? incoming : undefined} />
      </>
    );
  } else {
    main = (
      <div className="center-page">
        <p className="muted">No queue yet.</p>
        <button type="button" className="primary" onClick={() => setView('new')}><Plus size={15} aria-hidden="true" /> Create your first queue</button>
      </div>
    );
  }

  return (
    <ApiProvider api={api}>
      <div className="shell">
        <Sidebar queues={queues} models={models} stats={state.stats} selectedId={selected?.id}
          view={view === 'settings' ? 'settings' : view === 'new' ? 'new' : 'queue'} online={state.connectivity?.online ?? true}
          watchProblems={state.watchProblems}
          onSelect={select} onNew={() => setView('new')} onSettings={() => setView('settings')} onDropFiles={dropOnQueue} />
        <main className="main">
          <Banners connectivity={state.connectivity} waiting={waitingForNetwork} noCredentials={state.loaded && host?.hasCredentials === false}
            authFailure={state.authFailure} teamLimit={{ limit: host?.jobCeiling, concurrency: state.settings?.concurrency }} transport={state.transport}
            onOpenSettings={() => setView('settings')} onDismissAuth={() => patch({ authFailure: undefined })}
            onTryNow={() => void api.call('network.checkNow', {}).catch(() => undefined)} />
          <div className="main-content">{main}</div>
        </main>
      </div>
      {preview && (
        <PreviewModal item={store.get(preview.id) ?? preview} model={models.find((m) => m.key === queues.find((q) => q.id === preview.queueId)?.modelKey)} api={api}
          electron={electron} onClose={closePreview} />
      )}
    </ApiProvider>
  );
}
