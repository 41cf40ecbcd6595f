import { describe, expect, it } from 'vitest';
import { inliningBudgetFlag } from '../../src/cli/v8-budget';

describe("the command's inlining budget (src/cli/v8-budget.ts)", () => {
  it('is lowered to 300 when the user set none', () => {
    expect(inliningBudgetFlag('')).toBe('--max-inlined-bytecode-size-cumulative=300');
    expect(inliningBudgetFlag('--enable-source-maps --max-old-space-size=4096')).toBe('--max-inlined-bytecode-size-cumulative=300');
  });

  it("is left alone when node's flags or NODE_OPTIONS set it, in either spelling V8 reads", () => {
    expect(inliningBudgetFlag('--max-inlined-bytecode-size-cumulative=920 ')).toBeUndefined();
    expect(inliningBudgetFlag(' --max_inlined_bytecode_size_cumulative=100')).toBeUndefined();
  });
});
