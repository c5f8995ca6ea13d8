/**
 * Membership as the log defines it (protocol/membership.ts; thesis 4.1): the latest configuration in
 * the log counts, committed or not, and truncating its entry falls back to the one before.
 */
import { describe, expect, it } from 'vitest';
import {
  allMembers,
  configFingerprint,
  Membership,
  membershipDistance,
} from '../../src/protocol/membership.js';
import type { ClusterConfig } from '../../src/protocol/types.js';

const cfg = (voters: string[], learners: string[] = []): ClusterConfig => ({ voters, learners });

describe('Membership', () => {
  it('uses the latest configuration appended, and falls back when it is truncated', () => {
    const m = new Membership(cfg(['a', 'b', 'c']), 0);
    m.append(5, cfg(['a', 'b', 'c'], ['d']));
    m.append(9, cfg(['a', 'b', 'c', 'd']));
    expect(m.config).toEqual(cfg(['a', 'b', 'c', 'd']));
    expect(m.index).toBe(9);
    expect(m.isVoter('d')).toBe(true);
    m.truncateFrom(9);
    expect(m.config).toEqual(cfg(['a', 'b', 'c'], ['d']));
    expect(m.isVoter('d')).toBe(false);
    m.truncateFrom(1);
    expect(m.config).toEqual(cfg(['a', 'b', 'c']));
    expect(m.index).toBe(0);
    // The base is never truncated away.
    m.truncateFrom(0);
    expect(m.config).toEqual(cfg(['a', 'b', 'c']));
  });

  it('knows the configuration in force at any index still in the log', () => {
    const m = new Membership(cfg(['a']), 0);
    m.append(3, cfg(['a', 'b']));
    m.append(7, cfg(['a', 'b', 'c']));
    expect(m.configAt(0)).toEqual(cfg(['a']));
    expect(m.configAt(2)).toEqual(cfg(['a']));
    expect(m.configAt(3)).toEqual(cfg(['a', 'b']));
    expect(m.configAt(6)).toEqual(cfg(['a', 'b']));
    expect(m.configAt(100)).toEqual(cfg(['a', 'b', 'c']));
  });

  it('compaction keeps the configuration in force at the compacted index', () => {
    const m = new Membership(cfg(['a']), 0);
    m.append(3, cfg(['a', 'b']));
    m.append(7, cfg(['a', 'b', 'c']));
    m.compactTo(5);
    expect(m.configAt(5)).toEqual(cfg(['a', 'b']));
    m.truncateFrom(7);
    expect(m.config).toEqual(cfg(['a', 'b']));
  });

  it('compacting to a configuration entry makes it the base, which no truncation undoes', () => {
    const m = new Membership(cfg(['a']), 0);
    m.append(3, cfg(['a', 'b']));
    m.compactTo(3);
    m.truncateFrom(1);
    expect(m.config).toEqual(cfg(['a', 'b']));
  });

  it('a snapshot from the leader replaces the history', () => {
    const m = new Membership(cfg(['a']), 0);
    m.append(3, cfg(['a', 'b']));
    m.reset(cfg(['x', 'y', 'z']), 50);
    expect(m.config).toEqual(cfg(['x', 'y', 'z']));
    expect(m.index).toBe(50);
    m.truncateFrom(10);
    expect(m.config).toEqual(cfg(['x', 'y', 'z']));
  });

  it('a voter listed as a learner too is only a voter', () => {
    const m = new Membership(cfg(['a', 'b'], ['b', 'c']), 0);
    expect(m.config).toEqual(cfg(['a', 'b'], ['c']));
    m.append(1, cfg(['a'], ['a', 'd']));
    expect(m.config).toEqual(cfg(['a'], ['d']));
  });

  it('keeps its own copy of a configuration', () => {
    const given = cfg(['a', 'b']);
    const m = new Membership(given, 0);
    given.voters.push('c');
    expect(m.config.voters).toEqual(['a', 'b']);
  });
});

describe('configFingerprint', () => {
  it('depends on who is voter and learner, not on the order', () => {
    expect(configFingerprint(cfg(['a', 'b'], ['c']))).toBe(configFingerprint(cfg(['b', 'a'], ['c'])));
    expect(configFingerprint(cfg(['a', 'b'], ['c']))).not.toBe(configFingerprint(cfg(['a', 'b', 'c'])));
    expect(configFingerprint(cfg(['a', 'b']))).not.toBe(configFingerprint(cfg(['a'], ['b'])));
    expect(configFingerprint(cfg(['ab']))).not.toBe(configFingerprint(cfg(['a', 'b'])));
  });
});

describe('membershipDistance and allMembers', () => {
  it('counts the servers whose role differs', () => {
    const abc = cfg(['a', 'b', 'c']);
    expect(membershipDistance(abc, cfg(['c', 'b', 'a']))).toBe(0);
    expect(membershipDistance(abc, cfg(['a', 'b', 'c'], ['d']))).toBe(1);
    expect(membershipDistance(abc, cfg(['a', 'b'], ['c']))).toBe(1);
    expect(membershipDistance(abc, cfg(['a', 'b']))).toBe(1);
    expect(membershipDistance(abc, cfg(['a', 'b', 'd']))).toBe(2);
    expect(membershipDistance(abc, cfg(['d', 'e']))).toBe(5);
  });

  it('lists voters, then learners', () => {
    expect(allMembers(cfg(['b', 'a'], ['c']))).toEqual(['b', 'a', 'c']);
  });
});
