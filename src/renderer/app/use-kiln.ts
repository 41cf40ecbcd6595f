import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EventPayload, HostInfo, KilnApi, ModelInfo, QueueConfig, QueueStats, Settings, WatchProblemView } from '../../shared/contract';
import { mergeWatchProblem } from '../../shared/watch-problems';
import { ItemStore } from '../items/item-store';
import { frameBatcher } from '../items/frame-batcher';
import { errorMessage } from '../transport/errors';
import { isConnectionAware, type ConnectionState } from '../transport/ws-client';

export type Connectivity = EventPayload<'connectivity'>;

export interface KilnState {
  host?: HostInfo;
  models: ModelInfo[];
  queues: QueueConfig[];
  stats: ReadonlyMap<string, QueueStats>;
  settings?: Settings;
  connectivity?: Connectivity;
  authFailure?: string;
  /** Per queue: watch-folder files that could not be added, until the artist dismisses them. */
  watchProblems: ReadonlyMap<string, WatchProblemView>;
  transport: ConnectionState;
  loadError?: string;
  loaded: boolean;
}

/**
 * Everything the shell shows besides items: loaded once, kept fresh from events, and re-fetched
 * whole after the web transport reconnects (events sent while it was down are lost).
 */
export function useKiln(api: KilnApi) {
  const store = useMemo(() => new ItemStore(), []);
  const [state, setState] = useState<KilnState>(() => ({
    models: [], queues: [], stats: new Map(), watchProblems: new Map(), loaded: false,
    transport: isConnectionAware(api) ? api.connectionState() : 'open',
  }));
  const loadedQueues = useRef(new Set<string>());

  const refresh = useCallback(async () => {
    try {
      const [host, models, queues, stats, settings, watchProblems] = await Promise.all([
        api.call('host.info', {}), api.call('models.list', {}), api.call('queues.list', {}), api.call('queues.stats', {}), api.call('settings.get', {}),
        api.call('watch.problems', {}),
      ]);
      setState((s) => ({
        ...s, host, models, queues, settings, loaded: true, loadError: undefined,
        watchProblems: new Map(watchProblems.map((p) => [p.queueId, p])),
        stats: new Map(stats.map((st) => [st.queueId, st])),
        connectivity: s.connectivity ?? { online: host.online, waiting: 0, reason: '' },
      }));
      await Promise.all([...loadedQueues.current].map(async (queueId) => store.load(queueId, await api.call('items.list', { queueId }))));
    } catch (err) {
      setState((s) => ({ ...s, loadError: errorMessage(err) }));
    }
  }, [api, store]);

  const loadItems = useCallback(async (queueId: string) => {
    loadedQueues.current.add(queueId);
    store.load(queueId, await api.call('items.list', { queueId }));
  }, [api, store]);

  useEffect(() => {
    void refresh();
    const pendingStats = new Map<string, QueueStats>();
    const flushStats = frameBatcher(() => {
      const batch = [...pendingStats.values()];
      pendingStats.clear();
      setState((s) => {
        const stats = new Map(s.stats);
        for (const st of batch) stats.set(st.queueId, st);
        return { ...s, stats };
      });
    });
    const offs = [
      api.on('item', (item) => {
        store.upsert(item);
        // A finished cloud job proves the key works: an old refusal no longer applies.
        if (item.state === 'done' && item.engine === 'cloud') setState((s) => (s.authFailure ? { ...s, authFailure: undefined } : s));
      }),
      api.on('item.removed', ({ ids }) => store.remove(ids)),
      api.on('queue.stats', (st) => {
        pendingStats.set(st.queueId, st);
        flushStats();
      }),
      api.on('queues.changed', (queues) => setState((s) => ({ ...s, queues }))),
      api.on('connectivity', (connectivity) => setState((s) => ({ ...s, connectivity, host: s.host && { ...s.host, online: connectivity.online } }))),
      api.on('auth.failed', ({ message }) => setState((s) => ({ ...s, authFailure: message }))),
      api.on('team.limit', ({ limit }) => setState((s) => ({ ...s, host: s.host && { ...s.host, jobCeiling: limit } }))),
      api.on('watch.problem', (problem) => setState((s) => {
        const watchProblems = new Map(s.watchProblems);
        watchProblems.set(problem.queueId, mergeWatchProblem(s.watchProblems.get(problem.queueId), problem));
        return { ...s, watchProblems };
      })),
    ];
    if (isConnectionAware(api)) {
      offs.push(api.onConnectionChange((transport, reconnected) => {
        setState((s) => ({ ...s, transport }));
        if (reconnected) void refresh();
      }));
    }
    return () => offs.forEach((off) => off());
  }, [api, store, refresh]);

  const patch = useCallback((p: Partial<KilnState>) => setState((s) => ({ ...s, ...p })), []);
  const dismissWatchProblem = useCallback((queueId: string) => {
    setState((s) => {
      const watchProblems = new Map(s.watchProblems);
      watchProblems.delete(queueId);
      return { ...s, watchProblems };
    });
    // Best effort: if it fails, they come back with the next reload, which is not wrong.
    api.call('watch.dismiss', { queueId }).catch(() => undefined);
  }, [api]);
  return { state, store, refresh, loadItems, patch, dismissWatchProblem };
}
