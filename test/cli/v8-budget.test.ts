import { describe, expect, it } from 'vitest';
import { inliningBudgetFlag, SHORT_BATCH_ITEMS, tierUpBudgetFlag } from '../../src/cli/v8-budget';

describe("the command's inlining budget (src/cli/v8-budget.ts)", () => {
  it('is lowered to 300 when the user set none', () => {
    expect(inliningBudgetFlag('')).toBe('--max-inlined-bytecode-size-cumulative=300');
    expect(inliningBudgetFlag('--enable-source-maps --max-old-space-size=4096')).toBe('--max-inlined-bytecode-size-cumulative=300');
  });

  it("is left alone when node's flags or NODE_OPTIONS set it, in either spelling V8 reads", () => {
    expect(inliningBudgetFlag('--max-inlined-bytecode-size-cumulative=920 ')).toBeUndefined();
    expect(inliningBudgetFlag(' --max_inlined_bytecode_size_cumulative=100')).toBeUndefined();
  });

  it('is not confused by a flag whose name only starts the same', () => {
    expect(inliningBudgetFlag('--max-inlined-bytecode-size-cumulative-extra=1')).toBe('--max-inlined-bytecode-size-cumulative=300');
  });
});

describe("the command's tier-up budget, sized to the batch (src/cli/v8-budget.ts)", () => {
  const V8_11 = '11.3.244.8-node.38';

  it("doubles V8 11's 66 KB budget for a short batch, up to and including the limit", () => {
    expect(tierUpBudgetFlag(1, V8_11, '')).toBe('--interrupt-budget=135168');
    expect(tierUpBudgetFlag(300, V8_11, '--enable-source-maps')).toBe('--interrupt-budget=135168');
    expect(tierUpBudgetFlag(SHORT_BATCH_ITEMS, V8_11, '')).toBe('--interrupt-budget=135168');
  });

  it("keeps V8's default for a long batch, whose optimised code pays for itself", () => {
    expect(tierUpBudgetFlag(SHORT_BATCH_ITEMS + 1, V8_11, '')).toBeUndefined();
    expect(tierUpBudgetFlag(3000, V8_11, '')).toBeUndefined();
  });

  it('keeps the default on a V8 other than the one measured, whose default and tiers differ', () => {
    expect(tierUpBudgetFlag(300, '12.4.254.21-node.33', '')).toBeUndefined();
    expect(tierUpBudgetFlag(300, '10.2.154.26-node.26', '')).toBeUndefined();
  });

  it('leaves a budget the user set alone, in either spelling', () => {
    expect(tierUpBudgetFlag(300, V8_11, '--interrupt-budget=1000')).toBeUndefined();
    expect(tierUpBudgetFlag(300, V8_11, '--max-old-space-size=4096 --interrupt_budget=1000')).toBeUndefined();
    expect(tierUpBudgetFlag(300, V8_11, '--interrupt-budget-for-feedback-allocation=940')).toBe('--interrupt-budget=135168');
  });
});
