import type { Snapshot, SnapshotMessage, SnapshotMeta } from './types.js';

export type ChunkResult =
  | { kind: 'continue'; offset: number }
  | { kind: 'complete'; snapshot: Snapshot }
  | { kind: 'invalid' };

/**
 * Reassembles an InstallSnapshot sent in chunks (paper section 7: "write data into snapshot file at
 * given offset"). Chunks must arrive in order; an unexpected one is answered with the offset we want,
 * so a lost or reordered chunk costs one round trip and never corrupts the snapshot.
 */
export class SnapshotReceiver {
  private meta: SnapshotMeta | null = null;
  private term = 0;
  private parts: string[] = [];
  private length = 0;

  receive(m: SnapshotMessage): ChunkResult {
    if (m.offset === 0) {
      this.meta = m.meta;
      this.term = m.term;
      this.parts = [];
      this.length = 0;
    } else if (
      !this.meta ||
      !sameSnapshot(this.meta, m.meta) ||
      this.term !== m.term ||
      this.length !== m.offset
    ) {
      // Not the chunk we expect: ask for the right offset (0 if we hold nothing of this snapshot).
      const have = this.meta && sameSnapshot(this.meta, m.meta) && this.term === m.term ? this.length : 0;
      return { kind: 'continue', offset: have };
    }
    this.parts.push(m.data);
    this.length += m.data.length;
    if (!m.done) return { kind: 'continue', offset: this.length };
    const encoded = this.parts.join('');
    const meta = this.meta!;
    this.reset();
    try {
      return { kind: 'complete', snapshot: { meta, data: JSON.parse(encoded) as unknown } };
    } catch {
      return { kind: 'invalid' };
    }
  }

  reset(): void {
    this.meta = null;
    this.parts = [];
    this.length = 0;
  }
}

function sameSnapshot(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term;
}
