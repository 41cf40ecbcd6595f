import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodError } from '../../src/shared/zod-issues';

describe('describeZodError', () => {
  it('names the field of each issue and joins them on one line', () => {
    const result = z.object({ name: z.string(), output: z.object({ dir: z.string().min(1, 'the folder is empty') }) }).safeParse({ name: 3, output: { dir: '' } });
    if (result.success) throw new Error('expected a failure');
    expect(describeZodError(result.error)).toBe('name: Invalid input: expected string, received number; output.dir: the folder is empty');
  });

  it('gives a top-level issue without a path', () => {
    const result = z.string().min(2, 'too short').safeParse('a');
    if (result.success) throw new Error('expected a failure');
    expect(describeZodError(result.error)).toBe('too short');
  });
});
