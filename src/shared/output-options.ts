/**
 * The choices a queue makes about where and how its items are converted and saved, defined once for
 * the contract, the queue store, the CLI flags and the queue editor.
 */

/** What to do when a result's name is already taken in the output folder (src/main/engine/output/writer.ts). */
export const COLLISION_POLICIES = ['keep-both', 'overwrite', 'skip'] as const;
export type CollisionPolicy = (typeof COLLISION_POLICIES)[number];

/** Where an item may be converted: Scenario, this machine, or Scenario unless offline. */
export const ENGINE_CHOICES = ['cloud', 'local', 'cloud-then-local'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** The engine that actually made a result. */
export const ENGINES = ['cloud', 'local'] as const;
export type Engine = (typeof ENGINES)[number];
