import { events, type EventName, type EventPayload } from '../../shared/contract';

type Listener = (payload: never) => void;

/** Event fan-out shared by the transports; payloads are validated before any listener sees them. */
export class EventHub {
  private readonly listeners = new Map<string, Set<Listener>>();

  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  /** Dispatches an untrusted payload; returns false when it does not match the event's schema. */
  emit(name: string, payload: unknown): boolean {
    if (!Object.hasOwn(events, name)) return false;
    const parsed = events[name as EventName].safeParse(payload);
    if (!parsed.success) return false;
    const set = this.listeners.get(name);
    if (!set) return true;
    for (const listener of [...set]) {
      try {
        (listener as (p: unknown) => void)(parsed.data);
      } catch (err) {
        // One broken view must not stop the others from seeing the event.
        console.error(`kiln: listener for ${name} threw`, err);
      }
    }
    return true;
  }
}
