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

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.number(), ok: z.literal(false), error: callErrorSchema }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** HTTP routes of the web host besides /ws. */
export const WEB_ROUTES = {
  /** POST multipart-free upload: one file per request, raw body; query ?queueId=&relativePath= */
  upload: '/api/upload',
  /** POST {queueId, uploadIds} after all files of a drop were uploaded. */
  uploadCommit: '/api/upload/commit',
  /** GET /files/<itemId>/<input|output>[/<index>] */
  files: '/files',
} as const;
