import type { RaftCore } from '../../protocol/raft.js';
import type { Entry } from '../../protocol/types.js';

/** One live node as the checker sees it. */
export interface ObservedNode {
  id: string;
  core: RaftCore;
}

/**
 * The safety properties of Raft (paper Figure 3), checked after every simulator step:
 * election safety, log matching, leader completeness, state machine safety, plus monotonic terms
 * and commit indexes. Each failure is a string describing the violation.
 */
export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, string>();
  /** Committed entries seen so far: index -> fingerprint, and the highest term at which it was seen committed. */
  private readonly committed = new Map<number, { term: number; fingerprint: string; seenInTerm: number }>();
  private maxCommitted = 0;
  /** Applied entries across all nodes: index -> command id. */
  private readonly applied = new Map<number, string>();
  private readonly lastTerm = new Map<string, number>();
  private readonly lastCommit = new Map<string, number>();
  private readonly fingerprints = new WeakMap<Entry, string>();

  /** Highest term each node sent a message in, and the votes it granted (term -> candidate). */
  private readonly sentTerm = new Map<string, number>();
  private readonly granted = new Map<string, Map<number, string>>();

  /** Every message a node sends passes here (the persistence contract is checked against it). */
  observeSent(from: string, to: string, payload: unknown): void {
    const m = payload as { type?: string; term?: number; preVote?: boolean; reject?: boolean };
    if (typeof m.term !== 'number') return;
    // Pre-vote requests and grants carry the candidate's future term, which nobody adopted yet. A
    // candidate's vote requests go out while its new term is being written: it counts its own vote
    // only once that write is durable, so a crash before it loses nothing another node relies on.
    const futureTerm = m.type === 'vote' || (m.preVote === true && !m.reject);
    if (!futureTerm) this.sentTerm.set(from, Math.max(this.sentTerm.get(from) ?? 0, m.term));
    if (m.type === 'voteResponse' && !m.preVote && !m.reject) {
      let votes = this.granted.get(from);
      if (!votes) {
        votes = new Map();
        this.granted.set(from, votes);
      }
      votes.set(m.term, to);
    }
  }

  /**
   * A node restarted from storage. Its in-memory commit index and term may be lower than before the
   * crash (neither needs to be durable until a message depends on it), but the persistence contract
   * (paper Figure 2) says term and vote were durable before any message that depended on them.
   */
  restarted(id: string, term: number, vote: string | null): string | null {
    this.lastCommit.delete(id);
    this.lastTerm.set(id, term);
    const sent = this.sentTerm.get(id) ?? 0;
    if (term < sent)
      return `persistence: ${id} restarted at term ${term} after sending a message in term ${sent}`;
    const votedFor = this.granted.get(id)?.get(term);
    if (votedFor !== undefined && vote !== votedFor) {
      return `persistence: ${id} restarted in term ${term} with vote ${vote} after granting its vote to ${votedFor}`;
    }
    return null;
  }

  /** State machine safety: no two nodes apply different commands at the same index. */
  recordApply(node: string, id: string, index: number): string | null {
    const prev = this.applied.get(index);
    if (prev === undefined) {
      this.applied.set(index, id);
      return null;
    }
    return prev === id
      ? null
      : `state machine safety: ${node} applied ${id} at ${index}, another node applied ${prev}`;
  }

  /** The command some node applied at `index`, if any did. */
  commandAt(index: number): string | undefined {
    return this.applied.get(index);
  }

  check(nodes: ObservedNode[]): string[] {
    const problems: string[] = [];
    for (const n of nodes) this.checkNode(n, problems);
    this.checkLogMatching(nodes, problems);
    for (const n of nodes) if (n.core.role === 'leader') this.checkLeaderCompleteness(n, problems);
    return problems;
  }

  private checkNode({ id, core }: ObservedNode, problems: string[]): void {
    const prevTerm = this.lastTerm.get(id) ?? 0;
    if (core.term < prevTerm)
      problems.push(`monotonic term: ${id} went from term ${prevTerm} to ${core.term}`);
    this.lastTerm.set(id, core.term);

    const commit = core.log.committed;
    const prevCommit = this.lastCommit.get(id) ?? 0;
    if (commit < prevCommit) problems.push(`monotonic commit: ${id} went from ${prevCommit} to ${commit}`);
    this.lastCommit.set(id, commit);

    if (core.role === 'leader') {
      const other = this.leaderOfTerm.get(core.term);
      if (other !== undefined && other !== id)
        problems.push(`election safety: ${other} and ${id} both led term ${core.term}`);
      this.leaderOfTerm.set(core.term, id);
    }

    // Record what this node considers committed; nobody may later disagree (leader completeness and
    // state machine safety both rest on committed entries never changing).
    const log = core.log;
    for (let i = Math.max(prevCommit + 1, log.firstIndex()); i <= commit; i++) {
      const e = log.entry(i);
      if (!e) continue;
      const fp = this.fingerprint(e);
      const known = this.committed.get(i);
      if (!known) {
        this.committed.set(i, { term: e.term, fingerprint: fp, seenInTerm: core.term });
        if (i > this.maxCommitted) this.maxCommitted = i;
      } else if (known.term !== e.term || known.fingerprint !== fp) {
        problems.push(
          `committed entry changed: index ${i} was ${known.fingerprint} (term ${known.term}), ${id} has ${fp} (term ${e.term})`,
        );
      }
    }
  }

  /**
   * Log matching (paper 5.3): if two logs contain an entry with the same index and term, the logs are
   * identical in all entries up through that index. Checked over the entries both still hold.
   */
  private checkLogMatching(nodes: ObservedNode[], problems: string[]): void {
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const la = nodes[a]!.core.log;
        const lb = nodes[b]!.core.log;
        const lo = Math.max(la.firstIndex(), lb.firstIndex());
        let hi = Math.min(la.lastIndex(), lb.lastIndex());
        // The highest index where both have the same term...
        while (hi >= lo && la.term(hi) !== lb.term(hi)) hi--;
        // ...and everything before it must be the same entry.
        for (let i = hi; i >= lo; i--) {
          const ea = la.entry(i)!;
          const eb = lb.entry(i)!;
          if (ea.term !== eb.term || this.fingerprint(ea) !== this.fingerprint(eb)) {
            problems.push(
              `log matching: ${nodes[a]!.id} and ${nodes[b]!.id} agree at ${hi} but differ at ${i}`,
            );
            break;
          }
        }
      }
    }
  }

  /** Leader completeness (paper 5.4): a leader holds every entry committed in an earlier term. */
  private checkLeaderCompleteness({ id, core }: ObservedNode, problems: string[]): void {
    const log = core.log;
    for (let i = this.maxCommitted; i > log.snapshotIndex; i--) {
      const c = this.committed.get(i);
      if (!c || c.seenInTerm >= core.term) continue;
      if (log.term(i) !== c.term) {
        problems.push(
          `leader completeness: ${id} leads term ${core.term} without committed entry ${i} (term ${c.term})`,
        );
        return;
      }
      // Entries before a matching one match too (log matching is checked separately).
      return;
    }
  }

  private fingerprint(e: Entry): string {
    let fp = this.fingerprints.get(e);
    if (fp === undefined) {
      fp = `${e.kind}|${e.client ?? ''}|${e.seq ?? ''}|${JSON.stringify(e.data ?? null)}`;
      this.fingerprints.set(e, fp);
    }
    return fp;
  }
}
