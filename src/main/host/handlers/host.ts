import { MODELS } from '../../engine/models/registry';
import { modelInfo } from '../views';
import { CallFailure, type HandlerContext, type NamespaceHandlers } from './context';

/** `host.*` and `models.*`: what this host is and which models it offers. */
export function hostHandlers(ctx: HandlerContext): NamespaceHandlers<'host' | 'models'> {
  return {
    'host.info': async () => ({
      kind: ctx.capabilities.kind,
      version: ctx.version,
      hasCredentials: ctx.hasCredentials(),
      keyLocation: await ctx.credentials.location?.(),
      online: ctx.runner.online,
      jobCeiling: ctx.jobCeiling(),
    }),
    'models.list': async () => MODELS.map(modelInfo),
  };
}

/** `watch.*`: what went wrong in the watch folders. */
export function watchHandlers(ctx: HandlerContext): NamespaceHandlers<'watch'> {
  return {
    'watch.problems': async () => ctx.watchFolders.problems(),
    'watch.dismiss': async ({ queueId }) => {
      ctx.queue(queueId);
      ctx.watchFolders.dismiss(queueId);
      return null;
    },
  };
}

/** `network.*`: the artist's "try now" while offline. */
export function networkHandlers(ctx: HandlerContext): NamespaceHandlers<'network'> {
  return {
    'network.checkNow': async () => {
      ctx.runner.checkNetworkNow();
      return null;
    },
  };
}

/** `dialog.*`: native dialogs, where the host has them. */
export function dialogHandlers(ctx: HandlerContext): NamespaceHandlers<'dialog'> {
  return {
    'dialog.chooseFolder': async ({ title }) => {
      if (!ctx.capabilities.chooseFolder) throw new CallFailure('unsupported', 'the folder dialog needs the desktop app; type the path instead');
      return ctx.capabilities.chooseFolder(title);
    },
  };
}
