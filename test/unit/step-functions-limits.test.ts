import { expect } from '@jest/globals';
import { MAX_CAUSE_LENGTH, truncateCause } from '../../statemachine/step-functions-limits';

const EMOJI = '\u{1f600}';

describe('truncateCause', () => {
  it('keeps a cause that fits as it is, up to the last unit allowed', () => {
    const full = EMOJI.repeat(MAX_CAUSE_LENGTH / 2);

    expect(truncateCause('SES refused the email')).toBe('SES refused the email');
    expect(truncateCause(full)).toBe(full);
    expect(truncateCause(`${full}x`)).not.toBe(`${full}x`);
  });

  it('cuts between two emojis when the limit falls inside one, one unit short of the limit', () => {
    const cut = truncateCause(EMOJI.repeat(MAX_CAUSE_LENGTH));

    expect(cut).toBe(`${EMOJI.repeat((MAX_CAUSE_LENGTH - 4) / 2)}...`);
    expect(cut).toHaveLength(MAX_CAUSE_LENGTH - 1);
  });

  it('uses the whole limit when the cut falls between two characters', () => {
    const cut = truncateCause(`x${EMOJI.repeat(MAX_CAUSE_LENGTH)}`);

    expect(cut).toBe(`x${EMOJI.repeat((MAX_CAUSE_LENGTH - 4) / 2)}...`);
    expect(cut).toHaveLength(MAX_CAUSE_LENGTH);
  });
});
