import { z } from 'zod';
import { callErrorSchema } from '../../shared/contract';
import type { ServerMessage } from '../../shared/wire';

/**
 * Same shapes as wire.ts's serverMessageSchema. That one is a discriminatedUnion on `type` with
 * two 'result' members, which zod 4 rejects ("Duplicate discriminator value") on every parse;
 * a plain union accepts exactly the messages it describes.
 */
export const serverMessage: z.ZodType<ServerMessage> = z.union([
  z.object({ type: z.literal('result'), id: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({ type: z.literal('result'), id: z.number(), ok: z.literal(false), error: callErrorSchema }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);
