import { itemView } from '../views';
import { CallFailure, type HandlerContext, type NamespaceHandlers } from './context';

/** `items.*`: what is on a queue, and what the artist does with one item. */
export function itemHandlers(ctx: HandlerContext): NamespaceHandlers<'items'> {
  const { store, runner, capabilities: caps } = ctx;
  return {
    'items.list': async ({ queueId }) => store.list({ queueId }).map(itemView),
    'items.latest': async ({ queueId, kinds }) => {
      const item = store.latest(queueId, kinds);
      return item ? itemView(item) : null;
    },
    'items.addPaths': async ({ queueId, paths, redo }) => ctx.addPaths(queueId, paths, redo ?? false),
    'items.reorder': async ({ id, beforeId }) => {
      const item = ctx.item(id);
      if (beforeId !== null && ctx.item(beforeId).queueId !== item.queueId) {
        throw new CallFailure('invalid-input', 'an item can only move within its own queue');
      }
      store.reorder(id, beforeId);
      ctx.send('item', itemView(ctx.item(id)));
      return null;
    },
    'items.cancel': async ({ ids }) => {
      await Promise.all(ids.map((id) => runner.cancel(ctx.item(id).id)));
      return null;
    },
    'items.retry': async ({ ids }) => {
      for (const id of ids) runner.retry(ctx.item(id).id);
      return null;
    },
    'items.remove': async ({ ids }) => {
      const items = ids.map((id) => ctx.item(id));
      await Promise.all(items.map((i) => runner.cancel(i.id)));
      store.remove(ids);
      ctx.send('item.removed', { ids });
      for (const q of new Set(items.map((i) => i.queueId))) ctx.progress.changed(q);
      return null;
    },
    'items.unreadable': async () => ctx.store.findCorrupt().map((e) => ({ itemId: e.itemId, detail: e.message })),
    'items.reveal': async ({ id }) => {
      const item = ctx.item(id);
      if (!caps.reveal) throw new CallFailure('unsupported', 'revealing files needs the desktop app');
      await caps.reveal(item.outputs[0] ?? item.inputPath);
      return null;
    },
    'items.open': async ({ id }) => {
      const item = ctx.item(id);
      if (!caps.open) throw new CallFailure('unsupported', 'opening files needs the desktop app');
      const target = item.outputs[0];
      if (!target) throw new CallFailure('not-found', 'this item has no result yet');
      await caps.open(target);
      return null;
    },
  };
}
