import { MessageChannel as NodeMessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { macrotask, macrotaskScheduler } from '../../src/runtime/macrotask.js';

/** Node's own MessageChannel, its ports unref'd so that a test never keeps the process alive. */
class UnrefChannel extends NodeMessageChannel {
  constructor() {
    super();
    this.port1.unref();
    this.port2.unref();
  }
}

/** Runs `schedule` for 'a', 'b', 'c' and logs when each runs against promise work queued beside it. */
async function order(schedule: (callback: () => void) => void): Promise<string[]> {
  const log: string[] = [];
  const done = new Promise<void>((resolve) => {
    schedule(() => log.push('a'));
    schedule(() => {
      log.push('b');
      void Promise.resolve().then(() => log.push('promise work after b'));
    });
    schedule(() => {
      log.push('c');
      resolve();
    });
  });
  log.push('sync');
  void Promise.resolve().then(() => log.push('promise work'));
  await done;
  await Promise.resolve();
  return log;
}

describe('macrotask', () => {
  const expected = ['sync', 'promise work', 'a', 'b', 'promise work after b', 'c'];

  it('Node: setImmediate, a task per callback, in order, after promise work', async () => {
    expect(await order(macrotask)).toEqual(expected);
  });

  it('browsers: one MessageChannel, a message (a task) per callback, in order', async () => {
    const schedule = macrotaskScheduler({ MessageChannel: UnrefChannel, setTimeout });
    expect(await order(schedule)).toEqual(expected);
    // The queue drains and is reused: a second burst runs in order too.
    expect(await order(schedule)).toEqual(expected);
  });

  it('elsewhere: setTimeout(0); with none of the three, a TypeError', async () => {
    expect(await order(macrotaskScheduler({ setTimeout }))).toEqual(expected);
    expect(() => macrotaskScheduler({})).toThrow(TypeError);
  });
});
