import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type { QueueConfig } from '../../../shared/contract';
import { isAbsolutePath } from '../../../shared/paths';
import { findModel, resolveParams } from '../../engine/models/registry';
import { validateTemplate } from '../../engine/output/naming';
import { queueStats } from '../views';
import { CallFailure, type HandlerContext, type NamespaceHandlers } from './context';

/** A watch folder is checked when it is set: one that does not exist would silently pick up nothing. */
function checkWatchFolder(folder: string): void {
  const found = statSync(folder, { throwIfNoEntry: false });
  if (!found) throw new CallFailure('invalid-input', `the watched folder ${folder} does not exist`);
  if (!found.isDirectory()) throw new CallFailure('invalid-input', `the watched folder ${folder} is a file, not a folder`);
}

function validateQueue(config: Omit<QueueConfig, 'id'>): Omit<QueueConfig, 'id'> {
  const model = findModel(config.modelKey);
  if (!model) throw new CallFailure('invalid-input', `unknown model "${config.modelKey}"`);
  resolveParams(model, config.preset, config.params);
  try {
    validateTemplate(config.nameTemplate);
  } catch (error) {
    throw new CallFailure('invalid-input', `naming template: ${(error as Error).message}`);
  }
  if (!isAbsolutePath(config.outputDir)) {
    throw new CallFailure('invalid-input', 'the output folder must be an absolute path');
  }
  const existing = statSync(config.outputDir, { throwIfNoEntry: false });
  if (existing && !existing.isDirectory()) throw new CallFailure('invalid-input', `the output folder ${config.outputDir} is a file, not a folder`);
  if (config.watchFolder !== undefined && !isAbsolutePath(config.watchFolder)) {
    throw new CallFailure('invalid-input', 'the watched folder must be an absolute path');
  }
  return config;
}

/** `queues.*`: the queue definitions (kept in settings) and what runs on each. */
export function queueHandlers(ctx: HandlerContext): NamespaceHandlers<'queues'> {
  const { settings, store, runner } = ctx;
  const changed = async () => {
    ctx.send('queues.changed', settings.queues);
    await ctx.watchFolders.sync(settings.queues);
  };
  return {
    'queues.list': async () => settings.queues,
    'queues.create': async (input) => {
      const config: QueueConfig = { id: randomUUID(), ...validateQueue(input) };
      if (config.watchFolder !== undefined) checkWatchFolder(config.watchFolder);
      settings.saveQueues([...settings.queues, config]);
      await changed();
      return config;
    },
    'queues.update': async ({ id, patch }) => {
      const current = ctx.queue(id);
      const { id: _id, ...rest } = current;
      const { watchFolder, ...fields } = patch;
      const merged: Omit<QueueConfig, 'id'> = { ...rest, ...fields };
      if (watchFolder === null) delete merged.watchFolder;
      else if (watchFolder !== undefined) merged.watchFolder = watchFolder;
      const next: QueueConfig = { id, ...validateQueue(merged) };
      // Checked only when it changes: a queue whose folder went away can still be renamed.
      if (next.watchFolder !== undefined && next.watchFolder !== current.watchFolder) checkWatchFolder(next.watchFolder);
      settings.saveQueues(settings.queues.map((q) => (q.id === id ? next : q)));
      await changed();
      return next;
    },
    'queues.remove': async ({ id }) => {
      ctx.queue(id);
      await runner.cancelAll(id);
      store.remove(store.list({ queueId: id }).map((i) => i.id));
      settings.saveQueues(settings.queues.filter((q) => q.id !== id));
      await changed();
      return null;
    },
    'queues.stats': async () => settings.queues.map((q) => queueStats(q.id, store.counts(q.id), runner.isPaused(q.id))),
    'queues.pause': async ({ queueId }) => {
      ctx.queue(queueId);
      runner.pause(queueId);
      ctx.progress.publish(queueId);
      return null;
    },
    'queues.resume': async ({ queueId }) => {
      ctx.queue(queueId);
      runner.resume(queueId);
      ctx.progress.publish(queueId);
      return null;
    },
    'queues.cancelAll': async ({ queueId }) => {
      ctx.queue(queueId);
      await runner.cancelAll(queueId);
      return null;
    },
    'queues.retryFailed': async ({ queueId }) => {
      ctx.queue(queueId);
      runner.retryFailed(queueId);
      return null;
    },
    'queues.clearDone': async ({ queueId }) => {
      ctx.queue(queueId);
      const ids = store.list({ queueId, states: ['done'] }).map((i) => i.id);
      if (ids.length) {
        store.remove(ids);
        ctx.send('item.removed', { ids });
        ctx.progress.changed(queueId);
      }
      return null;
    },
  };
}
