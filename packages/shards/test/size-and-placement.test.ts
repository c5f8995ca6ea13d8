import { describe, expect, it } from 'vitest';
import { compareIds, InvalidArgumentError, parseSize, placeUpload, RegistryState } from '../src/index.js';

const D = '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881';

describe('parseSize', () => {
  it('reads the seed sizes, 1024-based, any case', () => {
    expect(parseSize('100gb')).toBe(100 * 1024 ** 3);
    expect(parseSize('512MB')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5 k')).toBe(1536);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize(7)).toBe(7);
    expect(parseSize('2tb')).toBe(2 * 1024 ** 4);
  });
  it('refuses what is not a size with InvalidArgumentError', () => {
    for (const bad of ['', 'gb', '10 zb', '-1', '1e3', -1, 1.5, Number.NaN, '99999999999tb'])
      expect(() => parseSize(bad as string)).toThrow(InvalidArgumentError);
  });
});

describe('placement', () => {
  function state(shards: [string, number, number, boolean][]): RegistryState {
    const s = new RegistryState();
    let n = 0;
    const apply = (c: object) => s.apply({ ...c, id: `p${++n}`, at: 0 });
    for (const [id, capacity, used, enabled] of shards) {
      apply({ op: 'addServer', serverId: `s${id}`, url: `mem://${id}` });
      apply({ op: 'addShard', shardId: id, serverIds: [`s${id}`], capacity });
      apply({ op: 'enableShard', shardId: id });
      if (used > 0)
        apply({ op: 'recordUpload', shardId: id, name: 'seed', size: used, server: `s${id}`, digest: D });
      if (!enabled) apply({ op: 'disableShard', shardId: id });
    }
    return s;
  }
  it('takes enabled shards with room, most free first, ties by id (numeric ids by value)', () => {
    const s = state([
      ['10', 100, 0, true],
      ['2', 100, 0, true],
      ['3', 200, 150, true],
      ['4', 500, 0, false],
      ['5', 150, 0, true],
    ]);
    expect(placeUpload(s, 10, 'x').map((shard) => shard.id)).toEqual(['5', '2', '10', '3']);
    expect(placeUpload(s, 60, 'x').map((shard) => shard.id)).toEqual(['5', '2', '10']);
    // A shard that holds the name already is skipped (names are write-once per shard).
    expect(placeUpload(s, 10, 'seed').map((shard) => shard.id)).toEqual(['5', '2', '10']);
  });
  it('orders ids alike everywhere: numbers by value, then text', () => {
    expect(['b', '10', 'a', '9'].sort(compareIds)).toEqual(['9', '10', 'a', 'b']);
  });
});
