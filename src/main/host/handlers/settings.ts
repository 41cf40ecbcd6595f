import { ScenarioClient } from '../../engine/scenario/client';
import type { HandlerContext, NamespaceHandlers } from './context';

/** `settings.*`: the app's settings; a new API address or project takes effect at once. */
export function settingsHandlers(ctx: HandlerContext): NamespaceHandlers<'settings'> {
  const { settings } = ctx;
  return {
    'settings.get': async () => settings.settings,
    'settings.update': async (patch) => {
      const before = settings.settings;
      const next = settings.updateSettings(patch);
      if (next.concurrency !== before.concurrency) ctx.runner.setConcurrency(next.concurrency);
      if (next.apiUrl !== before.apiUrl) {
        // The key pair was entered for the old address; a new one (which may be anyone's server)
        // gets it only when the artist enters it again. Issue 14.2.
        await ctx.credentials.clear();
        await ctx.applyCredentials(undefined);
      } else if (next.projectId !== before.projectId) {
        await ctx.applyCredentials(await ctx.credentials.get());
      }
      return next;
    },
  };
}

/** `credentials.*`: the Scenario key pair, write-only from the renderer. */
export function credentialHandlers(ctx: HandlerContext): NamespaceHandlers<'credentials'> {
  const { settings } = ctx;
  return {
    'credentials.set': async (input) => {
      await ctx.credentials.set(input);
      await ctx.applyCredentials(input);
      return null;
    },
    'credentials.clear': async () => {
      await ctx.credentials.clear();
      await ctx.applyCredentials(undefined);
      return null;
    },
    'credentials.test': async () => {
      const credentials = await ctx.credentials.get();
      if (!credentials) return { ok: false, message: 'No API key and secret are stored yet.' };
      const { apiUrl, projectId } = settings.settings;
      // A one-off probe with few retries, not the queue's client: it must answer the artist quickly.
      const client = new ScenarioClient({ baseUrl: apiUrl, ...credentials, retries: 1, requestTimeoutMs: 10_000, ...(projectId ? { projectId } : {}) });
      try {
        await client.probe();
        return { ok: true, message: `Connected to ${new URL(settings.settings.apiUrl).host}; the key pair is accepted.` };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
