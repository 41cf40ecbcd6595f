import { describe, expect, it } from 'vitest';
import { FINAL_STATES, IN_FLIGHT_STATES, ITEM_STATES, RETRYABLE_STATES, isFinalState, isInFlightState, isRetryableState } from '../../src/shared/item-states';
import { COLLISION_POLICIES, ENGINES, ENGINE_CHOICES } from '../../src/shared/output-options';
import { collisionSchema, engineChoiceSchema, itemStateSchema } from '../../src/shared/contract';
import { MIGRATIONS } from '../../src/main/engine/queue/schema.sql';
import { TRANSITIONS } from '../../src/main/engine/queue/state-machine';

/** The values a shipped migration's `column IN (...)` CHECK allows (migrations keep their own copy). */
function checkedValues(column: string): string[] {
  const sql = MIGRATIONS.join('\n');
  const match = new RegExp(`CHECK \\(${column} IN \\(([^)]*)\\)\\)`).exec(sql);
  if (!match?.[1]) throw new Error(`no CHECK on ${column}`);
  return match[1].split(',').map((v) => v.trim().replace(/^'|'$/g, ''));
}

describe('item states, one list for every layer', () => {
  it('the database accepts exactly the states, engine choices and engines the code knows', () => {
    expect(checkedValues('state').sort()).toEqual([...ITEM_STATES].sort());
    expect(checkedValues('engine_choice').sort()).toEqual([...ENGINE_CHOICES].sort());
    expect(checkedValues('engine').sort()).toEqual([...ENGINES].sort());
  });

  it('the UI contract validates with the same lists', () => {
    expect(itemStateSchema.options).toEqual([...ITEM_STATES]);
    expect(collisionSchema.options).toEqual([...COLLISION_POLICIES]);
    expect(engineChoiceSchema.options).toEqual([...ENGINE_CHOICES]);
  });

  it('puts every state in exactly one place of its life: queued, in flight, parked, or final', () => {
    for (const state of ITEM_STATES) {
      const places = [state === 'queued', isInFlightState(state), state === 'waiting-for-network', isFinalState(state)];
      expect(places.filter(Boolean), state).toHaveLength(1);
    }
    expect(IN_FLIGHT_STATES.length + FINAL_STATES.length + 2).toBe(ITEM_STATES.length);
  });

  it('final states are left only by an explicit retry or redo (back to queued, or submitted to poll a paid job again)', () => {
    for (const state of FINAL_STATES) {
      for (const to of TRANSITIONS[state]) expect(['queued', 'submitted'], `${state}→${to}`).toContain(to);
    }
    for (const state of ITEM_STATES.filter((s) => !isFinalState(s))) {
      expect(TRANSITIONS[state], state).toContain('canceled');
    }
  });

  it('retryable states are the final states that ended without a result', () => {
    expect([...RETRYABLE_STATES].sort()).toEqual(['canceled', 'failed']);
    for (const state of ITEM_STATES) expect(isRetryableState(state), state).toBe(isFinalState(state) && state !== 'done');
  });
});
