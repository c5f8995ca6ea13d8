import { describe, expect, it } from 'vitest';
import {
  BACKOFF_BASE_MS,
  BACKOFF_JITTER,
  BACKOFF_MAX_MS,
  backoffDelay,
  type ConnectionEvent,
  type ConnectionState,
  transition,
} from '../src/index.js';
import { CloseCode } from '../src/protocol.js';
import { SendQueue } from '../src/send-queue.js';

/** Runs events from `state`, returning the states visited and the effect types in order. */
function run(state: ConnectionState, events: ConnectionEvent[]) {
  const states: string[] = [];
  const effects: string[] = [];
  for (const event of events) {
    const t = transition(state, event);
    state = t.state;
    states.push(state.name);
    effects.push(...t.effects.map((e) => (e.type === 'report' ? `report:${e.code}` : e.type)));
  }
  return { state, states, effects };
}

const closed = (code: number): ConnectionEvent => ({ type: 'socketClosed', code, reason: '' });

describe('connection state machine', () => {
  it('connects, opens on welcome and flushes the queue', () => {
    const r = run({ name: 'idle' }, [{ type: 'start' }, { type: 'welcome' }]);
    expect(r.states).toEqual(['connecting', 'open']);
    expect(r.effects).toEqual(['openSocket', 'flush']);
  });

  it('backs off after failures, reporting the first failure of an outage only, and counts attempts', () => {
    const r = run({ name: 'idle' }, [
      { type: 'start' },
      closed(1006),
      { type: 'retry' },
      closed(1006),
      { type: 'retry' },
      { type: 'welcome' },
    ]);
    expect(r.states).toEqual(['connecting', 'backingOff', 'connecting', 'backingOff', 'connecting', 'open']);
    expect(r.effects).toEqual([
      'openSocket',
      'scheduleRetry',
      'report:CONNECTION',
      'openSocket',
      'scheduleRetry',
      'openSocket',
      'flush',
    ]);
    const t = transition({ name: 'connecting', attempt: 3 }, closed(1006));
    expect(t.effects[0]).toEqual({ type: 'scheduleRetry', attempt: 3 });
  });

  it('a lost open connection reports and backs off from the first delay', () => {
    const t = transition({ name: 'open' }, closed(1006));
    expect(t.state).toEqual({ name: 'backingOff', attempt: 1 });
    expect(t.effects.map((e) => e.type)).toEqual(['scheduleRetry', 'report']);
    expect(t.effects[0]).toEqual({ type: 'scheduleRetry', attempt: 0 });
  });

  it('after a graceful shutdown it reconnects at once, without reporting', () => {
    const t = transition({ name: 'open' }, closed(CloseCode.SHUTDOWN));
    expect(t).toEqual({ state: { name: 'connecting', attempt: 0 }, effects: [{ type: 'openSocket' }] });
  });

  it('wakes (online, visible) connect at once while backing off, and are ignored otherwise', () => {
    const t = transition({ name: 'backingOff', attempt: 4 }, { type: 'wake' });
    expect(t.state).toEqual({ name: 'connecting', attempt: 4 });
    expect(t.effects.map((e) => e.type)).toEqual(['cancelRetry', 'openSocket']);
    for (const state of [
      { name: 'open' },
      { name: 'connecting', attempt: 0 },
      { name: 'idle' },
    ] as ConnectionState[])
      expect(transition(state, { type: 'wake' })).toEqual({ state, effects: [] });
  });

  it('auth refusals (4400, 4401, 4403) and a takeover (4409) stop for good with a clear error', () => {
    for (const code of [
      CloseCode.BAD_REQUEST,
      CloseCode.UNAUTHORIZED,
      CloseCode.FORBIDDEN,
      CloseCode.REPLACED,
    ]) {
      for (const from of [{ name: 'open' }, { name: 'connecting', attempt: 2 }] as ConnectionState[]) {
        const t = transition(from, { type: 'socketClosed', code, reason: 'token expired' });
        expect(t.state).toEqual({ name: 'closed', why: 'refused' });
        expect(t.effects).toHaveLength(1);
        const report = t.effects[0] as { type: string; code: string; message: string };
        expect(report.code).toBe(code === CloseCode.REPLACED ? 'CONNECTION' : 'AUTH');
        if (code !== CloseCode.REPLACED) expect(report.message).toContain('token expired');
        // Nothing brings it back.
        expect(run(t.state, [{ type: 'retry' }, { type: 'wake' }, { type: 'start' }]).effects).toEqual([]);
      }
    }
  });

  it('stop closes from every state; closed absorbs everything', () => {
    for (const state of [
      { name: 'idle' },
      { name: 'connecting', attempt: 1 },
      { name: 'open' },
      { name: 'backingOff', attempt: 2 },
    ] as ConnectionState[]) {
      const t = transition(state, { type: 'stop' });
      expect(t.state).toEqual({ name: 'closed', why: 'stopped' });
      expect(t.effects.map((e) => e.type)).toEqual(['cancelRetry', 'closeSocket']);
    }
  });
});

describe('backoff', () => {
  it('grows exponentially from the base, is capped, and is jittered within its band', () => {
    expect(backoffDelay(0, () => 0)).toBe(BACKOFF_BASE_MS);
    expect(backoffDelay(1, () => 0)).toBe(BACKOFF_BASE_MS * 2);
    expect(backoffDelay(3, () => 0)).toBe(BACKOFF_BASE_MS * 8);
    expect(backoffDelay(50, () => 0)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(50, () => 0.999999)).toBe(
      Math.round(BACKOFF_MAX_MS * (1 - BACKOFF_JITTER * 0.999999)),
    );
    const seen = new Set(Array.from({ length: 50 }, (_, i) => backoffDelay(2, () => i / 50)));
    expect(seen.size).toBeGreaterThan(40);
    for (const d of seen) {
      expect(d).toBeGreaterThanOrEqual(BACKOFF_BASE_MS * 4 * (1 - BACKOFF_JITTER));
      expect(d).toBeLessThanOrEqual(BACKOFF_BASE_MS * 4);
    }
  });
});

describe('send queue', () => {
  it('keeps the newest frames within its bounds and says how many it dropped', () => {
    const q = new SendQueue(3, 1000);
    expect([q.push('a'), q.push('b'), q.push('c')]).toEqual([0, 0, 0]);
    expect(q.push('d')).toBe(1);
    expect(q.drain()).toEqual(['b', 'c', 'd']);
    expect(q.length).toBe(0);
    const small = new SendQueue(100, 10);
    small.push('12345');
    small.push('678');
    expect(small.push('abcd')).toBe(1);
    expect(small.drain()).toEqual(['678', 'abcd']);
  });
});
