import { useCallback, useSyncExternalStore } from 'react';
import type { ItemView } from '../../shared/contract';
import type { ItemStore } from './item-store';

export function useQueueItems(store: ItemStore, queueId: string): readonly ItemView[] {
  const subscribe = useCallback((l: () => void) => store.subscribe(queueId, l), [store, queueId]);
  const snapshot = useCallback(() => store.list(queueId), [store, queueId]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
