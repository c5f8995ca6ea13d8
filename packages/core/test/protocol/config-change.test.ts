/**
 * The configuration-change rules a leader checks before appending a change (thesis 4.1): one server
 * at a time, one change in flight, computed from the current configuration, never without a voter.
 */
import { describe, expect, it } from 'vitest';
import { checkConfigChange, checkConfigChanges, hasConfigChange } from '../../src/protocol/config-change.js';
import { configFingerprint } from '../../src/protocol/membership.js';
import type { ClusterConfig, ProposedEntry } from '../../src/protocol/types.js';

const ABC: ClusterConfig = { voters: ['a', 'b', 'c'], learners: [] };

const change = (data: ClusterConfig): ProposedEntry => ({ kind: 'config', data });
const command = (data: unknown): ProposedEntry => ({ kind: 'command', data });

describe('checkConfigChange: one change after the current configuration', () => {
  const table: { why: string; next: ClusterConfig; code: string | null }[] = [
    { why: 'adds one learner', next: { voters: ['a', 'b', 'c'], learners: ['d'] }, code: null },
    { why: 'adds one voter', next: { voters: ['a', 'b', 'c', 'd'], learners: [] }, code: null },
    { why: 'removes one voter', next: { voters: ['a', 'b'], learners: [] }, code: null },
    { why: 'demotes one voter to learner', next: { voters: ['a', 'b'], learners: ['c'] }, code: null },
    { why: 'changes nothing (order aside)', next: { voters: ['c', 'a', 'b'], learners: [] }, code: null },
    {
      why: 'adds two voters',
      next: { voters: ['a', 'b', 'c', 'd', 'e'], learners: [] },
      code: 'CONFIG_TOO_LARGE',
    },
    {
      why: 'swaps one voter for another',
      next: { voters: ['a', 'b', 'd'], learners: [] },
      code: 'CONFIG_TOO_LARGE',
    },
    { why: 'removes two voters', next: { voters: ['a'], learners: [] }, code: 'CONFIG_TOO_LARGE' },
  ];
  for (const row of table) {
    it(`${row.why}: ${row.code ?? 'allowed'}`, () => {
      expect(checkConfigChange(ABC, row.next)?.code ?? null).toBe(row.code);
    });
  }

  it('refuses removing the last voter', () => {
    expect(checkConfigChange({ voters: ['a'], learners: [] }, { voters: [], learners: [] })?.code).toBe(
      'CONFIG_EMPTY',
    );
  });

  it('accepts a change computed from this configuration and refuses one computed from another', () => {
    const next = { voters: ['a', 'b'], learners: [] };
    expect(checkConfigChange(ABC, { ...next, base: configFingerprint(ABC) })).toBeNull();
    const older = { voters: ['a', 'b', 'c', 'd'], learners: [] };
    expect(checkConfigChange(ABC, { ...next, base: configFingerprint(older) })?.code).toBe('CONFIG_STALE');
  });
});

describe('checkConfigChanges: the changes of one batch', () => {
  it('has nothing to say about a batch without changes, even while a change is in progress', () => {
    expect(checkConfigChanges(ABC, [command(1), command(2)], true)).toBeNull();
    expect(hasConfigChange([command(1), { kind: 'noop' }])).toBe(false);
    expect(hasConfigChange([command(1), change(ABC)])).toBe(true);
  });

  it('allows one valid change among commands', () => {
    const batch = [command(1), change({ voters: ['a', 'b', 'c', 'd'], learners: [] }), command(2)];
    expect(checkConfigChanges(ABC, batch, false)).toBeNull();
  });

  it('refuses any change while another is in progress', () => {
    const refusal = checkConfigChanges(ABC, [change({ voters: ['a', 'b'], learners: [] })], true);
    expect(refusal).toEqual({
      code: 'CONFIG_PENDING',
      reason: 'a configuration change is still in progress',
    });
  });

  it('refuses two changes in one batch, even if each alone would be allowed', () => {
    const first = { voters: ['a', 'b', 'c'], learners: ['d'] };
    const second = { voters: ['a', 'b', 'c', 'd'], learners: [] };
    expect(checkConfigChanges(ABC, [change(first)], false)).toBeNull();
    expect(checkConfigChanges(first, [change(second)], false)).toBeNull();
    expect(checkConfigChanges(ABC, [change(first), change(second)], false)).toEqual({
      code: 'CONFIG_PENDING',
      reason: 'one configuration change at a time',
    });
  });

  it('checks the change against the current configuration', () => {
    const tooLarge = change({ voters: ['a'], learners: [] });
    expect(checkConfigChanges(ABC, [command(1), tooLarge], false)?.code).toBe('CONFIG_TOO_LARGE');
    expect(checkConfigChanges({ voters: ['a', 'b'], learners: [] }, [tooLarge], false)).toBeNull();
  });
});
