import { describe, expect, it } from 'vitest';
import { addressProblem } from '../../src/protocol/address.js';
import { DEFAULT_MESSAGE_LIMITS } from '../../src/protocol/validate.js';

const MAX = DEFAULT_MESSAGE_LIMITS.maxIdLength;

describe('the address rule', () => {
  it('accepts non-empty strings of printable characters without white space at the ends', () => {
    for (const ok of [
      'a',
      'n1',
      'tab:3',
      'ws://host:8080/x',
      'a b',
      'ñodo-日本',
      'x'.repeat(MAX),
      '\u00a0x'.slice(1),
    ])
      expect(addressProblem(ok, MAX), ok).toBeNull();
  });

  it.each([
    ['not a string', undefined, 'is not a string'],
    ['a number', 42, 'is not a string'],
    ['an object', {}, 'is not a string'],
    ['empty', '', 'is empty'],
    ['only spaces', '  ', 'begins or ends with white space'],
    ['a leading space', ' a', 'begins or ends with white space'],
    ['a trailing no-break space', 'a\u00a0', 'begins or ends with white space'],
    ['a tab', 'a\tb', 'holds a control character (U+0009)'],
    ['a newline at the end', 'a\n', 'holds a control character (U+000A)'],
    ['DEL', 'a\u007f', 'holds a control character (U+007F)'],
    ['a C1 control', '\u0085a', 'holds a control character (U+0085)'],
    ['too long', 'x'.repeat(MAX + 1), `is longer than ${MAX} characters`],
  ])('refuses %s', (_what, value, problem) => {
    expect(addressProblem(value, MAX)).toBe(problem);
  });
});
