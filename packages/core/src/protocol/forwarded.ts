/**
 * How far below a client's highest sequence number a lower one still counts as new. Beyond it, a
 * sequence number counts as already applied (session table) or decided (forwarded proposals).
 */
export const SEQUENCE_WINDOW = 65_536;

/** What a leader decided about one forwarded proposal: appended, or refused with this code. */
export type ForwardedDecision =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly code: string; readonly reason: string };

export const ACCEPTED_DECISION: ForwardedDecision = Object.freeze({ accepted: true });

/**
 * What a leader decided, in its current term, about proposals forwarded to it, by client and sequence
 * number. A transport may deliver a message twice, and a follower sends a forwarded proposal again
 * when it seems lost; only the first copy the leader sees in a term gets a decision, and a later copy
 * gets the same one: dropped if the first was appended, refused again (with the first refusal) if it
 * was refused. So a refusal is final: no copy of that proposal can be appended in this term, and a
 * message stamped with another term never reaches this leader's decision at all (paper 5.1). Without
 * this, a duplicate could be refused while the first copy commits, and the proposer would report
 * "refused" for a command that was applied.
 */
export class ForwardedDecisions {
  private clients = new Map<string, ClientDecisions>();

  /**
   * @param window sequence numbers this far below a client's highest one are treated as already
   *   appended, so memory stays bounded per client.
   */
  constructor(private readonly window = SEQUENCE_WINDOW) {}

  /** The decision already taken on (client, seq) in this term, if any. */
  decided(client: string, seq: number): ForwardedDecision | undefined {
    const c = this.clients.get(client);
    if (!c) return undefined;
    if (seq <= c.highest - this.window) return ACCEPTED_DECISION;
    return c.decisions.get(seq);
  }

  record(client: string, seq: number, decision: ForwardedDecision): void {
    let c = this.clients.get(client);
    if (!c) {
      c = { highest: seq, decisions: new Map() };
      this.clients.set(client, c);
    }
    c.decisions.set(seq, decision);
    if (seq > c.highest) c.highest = seq;
    // Forget what fell out of the window, now and then (amortized O(1) per proposal).
    if (c.decisions.size > 2 * this.window) {
      const floor = c.highest - this.window;
      for (const s of c.decisions.keys()) if (s <= floor) c.decisions.delete(s);
    }
  }

  /** A new term: nothing decided yet. */
  clear(): void {
    if (this.clients.size > 0) this.clients = new Map();
  }
}

interface ClientDecisions {
  highest: number;
  decisions: Map<number, ForwardedDecision>;
}
