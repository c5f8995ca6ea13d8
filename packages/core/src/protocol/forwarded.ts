/**
 * What a leader decided, in its current term, about proposals forwarded to it, by client and sequence
 * number. A transport may deliver a message twice, and a follower sends a forwarded proposal again
 * when it seems lost; only the first copy the leader sees in a term gets a decision (appended, or
 * refused with `proposeRefused`), later copies are dropped. So a refusal is final: no other copy of
 * that proposal can be appended in this term, and a message stamped with another term never reaches
 * this leader's decision at all (paper 5.1). Without this, a duplicate could be refused while the
 * first copy commits, and the proposer would report "refused" for a command that was applied.
 */
/**
 * How far below a client's highest sequence number a lower one still counts as new. Beyond it, a
 * sequence number counts as already applied (session table) or decided (forwarded proposals).
 */
export const SEQUENCE_WINDOW = 65_536;

export class ForwardedDecisions {
  private clients = new Map<string, ClientDecisions>();

  /**
   * @param window sequence numbers this far below a client's highest one are treated as already
   *   decided, so memory stays bounded per client.
   */
  constructor(private readonly window = SEQUENCE_WINDOW) {}

  /** Whether (client, seq) is seen for the first time this term; records that it now is decided. */
  firstSight(client: string, seq: number): boolean {
    let c = this.clients.get(client);
    if (!c) {
      c = { highest: seq, seen: new Set() };
      this.clients.set(client, c);
    }
    if (seq <= c.highest - this.window || c.seen.has(seq)) return false;
    c.seen.add(seq);
    if (seq > c.highest) c.highest = seq;
    // Forget what fell out of the window, now and then (amortized O(1) per proposal).
    if (c.seen.size > 2 * this.window) {
      const floor = c.highest - this.window;
      for (const s of c.seen) if (s <= floor) c.seen.delete(s);
    }
    return true;
  }

  /** A new term: nothing decided yet. */
  clear(): void {
    if (this.clients.size > 0) this.clients = new Map();
  }
}

interface ClientDecisions {
  highest: number;
  seen: Set<number>;
}
