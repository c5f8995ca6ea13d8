import { VirtualClock } from '@webraft/core/testing';
import { describe, expect, it } from 'vitest';
import { BroadcastChannelLeaderFeed } from '../src/index.js';
import { ChannelHub } from './sim/channel-hub.js';
import { runFor, runUntil } from './virtual-time.js';

describe('BroadcastChannelLeaderFeed fencing (virtual clock, simulated channel)', () => {
  it('a leader that answers a claim too late, the claimant dying before its heartbeat arrives: it leads on only under a larger token', async () => {
    const clock = new VirtualClock();
    const hub = new ChannelHub(clock);
    const make = (id: string) =>
      new BroadcastChannelLeaderFeed({ id, clock, random: () => 0.5, createChannel: hub.factory(id) });
    const old = make('a');
    const claimant = make('b');
    await old.start({ channel: 'c' });
    await claimant.start({ channel: 'c' });
    await runUntil(clock, () => old.isLeader || claimant.isLeader, 5000);
    const leader = old.isLeader ? old : claimant;
    const other = leader === old ? claimant : old;
    const oldToken = leader.token!;
    // The follower stops hearing the leader (its heartbeats lost), so it claims; the leader hears the
    // claim at once but its answer comes after the claim window, and the claimant's own messages after
    // its claim never arrive (it dies before its first heartbeat reaches anyone).
    let claimed = false;
    hub.rule = (from, _to, m) => {
      if (from === leader.id) return claimed ? 50 : 'drop';
      if (m.type === 'claim' && !claimed) {
        claimed = true;
        return 0.1;
      }
      return claimed ? 'drop' : 0.1;
    };
    await runUntil(clock, () => other.isLeader, 2000);
    const claimantToken = other.token!;
    expect(claimantToken).toBeGreaterThan(oldToken);
    await other.stop(); // dead: its resignation is dropped too
    hub.rule = () => 0.1;
    await runFor(clock, 1000);
    // Never leading on under the old token, now smaller than one granted: a larger one, or none.
    if (leader.isLeader) expect(leader.token!).toBeGreaterThan(claimantToken);
    await runUntil(clock, () => leader.isLeader, 3000);
    expect(leader.token!).toBeGreaterThan(claimantToken);
    await leader.stop();
  });
});
