/**
 * Messages on the web host's WebSocket (/ws). Electron IPC carries the same calls and events
 * natively, so this framing exists only for the browser transport.
 */
import { z } from 'zod';
import { callErrorSchema } from './contract';

export const clientMessageSchema = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(64),
  input: z.unknown(),
});
export type ClientMessage = z.infer<typeof clientMessageSchema>;

// A plain union: two members share type 'result' (told apart by `ok`), which zod 4's
// discriminatedUnion refuses.
export const serverMessageSchema = z.union([
  z.object({ type: z.literal('result'), id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.number(), ok: z.literal(false), error: callErrorSchema }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** HTTP routes of the web host besides /ws. */
export const WEB_ROUTES = {
  /** POST one dropped file per request, raw body; query ?queueId=&batch=<uuid>&path=<relative path>. */
  upload: '/api/upload',
  /** POST {queueId, batch, redo?} once every file of the drop is uploaded; answers an AddResult. */
  uploadCommit: '/api/upload/commit',
  /** GET /files/<itemId>/<input|output>[/<index>] */
  files: '/files',
} as const;
