import { onTestFinished } from 'vitest';
import type { LeaderFeed } from '../src/index.js';

/** Resolves with the next feed of `feeds` to become leader, and its token. */
export function nextLeader<F extends LeaderFeed>(feeds: readonly F[]): Promise<{ feed: F; token: number }> {
  return new Promise((resolve) => {
    const offs = feeds.map((feed) =>
      feed.on('new state', (state, token) => {
        if (state !== 'leader') return;
        for (const off of offs) off();
        resolve({ feed, token: token! });
      }),
    );
  });
}

/** The feed of `feeds` that leads now, or the next one to. */
export async function currentLeader<F extends LeaderFeed>(feeds: readonly F[]): Promise<F> {
  return feeds.find((f) => f.isLeader) ?? (await nextLeader(feeds)).feed;
}

/** Records every leadership that any of `feeds` takes, in order. */
export function recordLeaderships(feeds: readonly LeaderFeed[]): { id: string; token: number }[] {
  const leaderships: { id: string; token: number }[] = [];
  for (const f of feeds) {
    f.on('new state', (state, token) => {
      if (state === 'leader') leaderships.push({ id: f.id, token: token! });
    });
  }
  return leaderships;
}

/**
 * Waits for a leader among `feeds`, stops it gracefully and waits for the next one among the rest:
 * both leaderships, and the failover time from the stop to the new leader.
 */
export async function gracefulFailover<F extends LeaderFeed>(feeds: readonly F[]) {
  const first = await nextLeader(feeds);
  const rest = feeds.filter((f) => f !== first.feed);
  const next = nextLeader(rest);
  const stoppedAt = performance.now();
  await first.feed.stop();
  const second = await next;
  return { first, second, rest, failoverMs: performance.now() - stoppedAt };
}

/**
 * Resolves once `count` heartbeats have crossed the BroadcastChannel `channel` (an outside listener
 * counts them; it closes when the test ends).
 */
export function heartbeats(channel: string, count: number): Promise<void> {
  const listener = new BroadcastChannel(channel);
  onTestFinished(() => listener.close());
  let seen = 0;
  return new Promise((resolve) => {
    listener.onmessage = (event: MessageEvent) => {
      if ((event.data as { type?: string }).type === 'heartbeat' && ++seen === count) resolve();
    };
  });
}

/**
 * Waits for a leader among `feeds` and hands leadership to another with `elect(id)`: both leaderships
 * and the target, once it leads. The old leader must have stepped down when `elect` resolved.
 */
export async function electHandOff<F extends LeaderFeed>(feeds: readonly F[]) {
  const first = await nextLeader(feeds);
  const target = feeds.find((f) => f !== first.feed)!;
  const next = nextLeader([target]);
  await first.feed.elect(target.id);
  const stillLeading = first.feed.isLeader;
  const second = await next;
  return { first, second, target, stillLeading };
}
