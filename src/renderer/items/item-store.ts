import type { ItemView } from '../../shared/contract';
import { frameBatcher } from './frame-batcher';

type Listener = () => void;
const EMPTY: readonly ItemView[] = Object.freeze([]);

/**
 * Items of every loaded queue keyed by id. Events land in a pending map and are applied once per
 * frame; each queue's list is then rebuilt as a new array (so React sees a change) while untouched
 * items keep their identity (so memoised rows skip rendering).
 */
export class ItemStore {
  private readonly byId = new Map<string, ItemView>();
  private readonly lists = new Map<string, readonly ItemView[]>();
  /** Index of each item in its queue's list, so plain progress updates skip the re-sort. */
  private readonly slots = new Map<string, number>();
  private readonly pending = new Map<string, ItemView>();
  private readonly pendingRemovals = new Set<string>();
  /** When each item entered its current state, as this window saw it (its updatedAt when first loaded). */
  private readonly since = new Map<string, number>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly schedule = frameBatcher(() => this.flush());

  /** Replaces one queue's items wholesale (initial load, reconnect). */
  load(queueId: string, items: readonly ItemView[]): void {
    for (const [id, item] of this.byId) {
      if (item.queueId !== queueId) continue;
      this.byId.delete(id);
      this.slots.delete(id);
    }
    for (const item of items) {
      const newer = this.pending.get(item.id);
      // An event that raced ahead of the list answer is fresher than the list.
      const chosen = newer && newer.updatedAt >= item.updatedAt ? newer : item;
      this.byId.set(item.id, chosen);
      if (!this.since.has(item.id)) this.since.set(item.id, chosen.updatedAt);
    }
    this.rebuild(new Set([queueId]));
  }

  upsert(item: ItemView): void {
    this.pending.set(item.id, item);
    this.pendingRemovals.delete(item.id);
    this.schedule();
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      this.pendingRemovals.add(id);
      this.pending.delete(id);
    }
    this.schedule();
  }

  /** When the item entered its current state (ms since the epoch). */
  readonly stateSince = (id: string): number | undefined => this.since.get(id);

  get(id: string): ItemView | undefined {
    return this.pending.get(id) ?? this.byId.get(id);
  }

  list(queueId: string): readonly ItemView[] {
    return this.lists.get(queueId) ?? EMPTY;
  }

  subscribe(queueId: string, listener: Listener): () => void {
    let set = this.listeners.get(queueId);
    if (!set) {
      set = new Set();
      this.listeners.set(queueId, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Applies pending events now; the frame batcher calls this, tests may too. */
  flush(): void {
    const touched = new Set<string>();
    const patched = new Map<string, ItemView[]>();
    for (const id of this.pendingRemovals) {
      const old = this.byId.get(id);
      if (old) {
        touched.add(old.queueId);
        this.byId.delete(id);
        this.slots.delete(id);
        this.since.delete(id);
      }
    }
    this.pendingRemovals.clear();
    for (const item of this.pending.values()) {
      const old = this.byId.get(item.id);
      if (old && old.updatedAt > item.updatedAt) continue;
      this.byId.set(item.id, item);
      if (!old || old.state !== item.state) this.since.set(item.id, Date.now());
      const slot = this.slots.get(item.id);
      if (old && old.queueId === item.queueId && old.position === item.position && slot !== undefined && !touched.has(item.queueId)) {
        // Same place in the same list: swap it in without rebuilding or re-sorting the list.
        let list = patched.get(item.queueId);
        if (!list) {
          list = [...(this.lists.get(item.queueId) ?? [])];
          patched.set(item.queueId, list);
        }
        list[slot] = item;
      } else {
        if (old && old.queueId !== item.queueId) touched.add(old.queueId);
        touched.add(item.queueId);
      }
    }
    this.pending.clear();
    for (const [q, list] of patched) {
      if (touched.has(q)) continue;
      this.lists.set(q, list);
      this.notify(q);
    }
    if (touched.size > 0) this.rebuild(touched);
  }

  private notify(queueId: string): void {
    for (const l of [...(this.listeners.get(queueId) ?? [])]) l();
  }

  private rebuild(queueIds: Set<string>): void {
    const next = new Map<string, ItemView[]>();
    for (const q of queueIds) next.set(q, []);
    for (const item of this.byId.values()) next.get(item.queueId)?.push(item);
    for (const [q, items] of next) {
      items.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));
      items.forEach((item, i) => this.slots.set(item.id, i));
      this.lists.set(q, items);
      this.notify(q);
    }
  }
}
