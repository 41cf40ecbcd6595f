/** Messages between the bench and its fake-server child (server-child.ts), checked on both ends. */
import { z } from 'zod';
import { ROUTE_NAMES, type RouteName } from '../test/fake-scenario/types';

export const startOptionsSchema = z.object({
  jobDurationMs: z.number().int().nonnegative(),
  apiKey: z.string().min(1),
  apiSecret: z.string().min(1),
  seed: z.number().int().optional(),
  jobDurations: z
    .union([
      z.object({ kind: z.literal('fixed'), ms: z.number().nonnegative() }),
      z.object({ kind: z.literal('log-normal'), medianMs: z.number().positive(), sigma: z.number().nonnegative() }),
    ])
    .optional(),
  uploadStepMs: z.number().int().positive().optional(),
  faults: z.object({ teamJobLimit: z.number().int().positive().nullable().optional() }).optional(),
});
export type StartOptions = z.infer<typeof startOptionsSchema>;

export const commandSchema = z.discriminatedUnion('cmd', [
  z.object({ id: z.number().int(), cmd: z.literal('counts') }),
  z.object({ id: z.number().int(), cmd: z.literal('resetCounts') }),
  z.object({ id: z.number().int(), cmd: z.literal('addSyntheticAsset'), bytes: z.number().int().positive(), kind: z.enum(['svg', 'glb']) }),
  z.object({ id: z.number().int(), cmd: z.literal('stats') }),
  z.object({ id: z.number().int(), cmd: z.literal('summary') }),
  z.object({ id: z.number().int(), cmd: z.literal('close') }),
]);
export type Command = z.infer<typeof commandSchema>;
/** A command without its id: the caller's side assigns ids. */
export type CommandBody = Command extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export const replySchema = z.union([
  z.object({ type: z.literal('ready'), url: z.string().url() }),
  z.object({ type: z.literal('result'), id: z.number().int(), value: z.unknown() }),
  z.object({ type: z.literal('error'), id: z.number().int(), message: z.string() }),
]);
export type Reply = z.infer<typeof replySchema>;

const routeNameSchema = z.enum(ROUTE_NAMES as [RouteName, ...RouteName[]]);
export const countsSchema = z.partialRecord(routeNameSchema, z.number().int().nonnegative());

/** What the server's jobs were: how many it accepted, their total time, and generates refused for the team's ceiling. */
export const summarySchema = z.object({ jobs: z.number().int(), jobMsTotal: z.number(), teamLimitRefusals: z.number().int() });
export type ServerSummary = z.infer<typeof summarySchema>;

/** The server process's own load since the last resetCounts: is the fake server the bottleneck? */
export const statsSchema = z.object({ cpuMs: z.number(), wallMs: z.number(), eventLoopUtilization: z.number() });
export type ServerStats = z.infer<typeof statsSchema>;
