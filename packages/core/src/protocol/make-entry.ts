import type { Entry, EntryKind, ProposedEntry } from './types.js';

/*
 * Builders for log entries and proposals with exactly the fields given: an undefined field is left
 * out, as JSON would leave it out.
 *
 * Why not build them field by field: V8 sizes an object by its literal, and fields added afterwards
 * go to a separate backing store, one more allocation per entry. Every node keeps its entries (and
 * storage its copies) until the log is compacted, so they outlive several young-generation GCs, each
 * of which copies them. Commands, the hot path, carry every optional field and get one literal.
 */

export function makeEntry(
  index: number,
  term: number,
  kind: EntryKind,
  data: unknown,
  client: string | undefined,
  seq: number | undefined,
): Entry {
  if (data !== undefined && client !== undefined && seq !== undefined) {
    return { index, term, kind, data, client, seq };
  }
  const entry: Entry = { index, term, kind };
  if (data !== undefined) entry.data = data;
  if (client !== undefined) entry.client = client;
  if (seq !== undefined) entry.seq = seq;
  return entry;
}

export function makeProposedEntry(
  kind: EntryKind,
  data: unknown,
  client: string | undefined,
  seq: number | undefined,
): ProposedEntry {
  if (data !== undefined && client !== undefined && seq !== undefined) return { kind, data, client, seq };
  const entry: ProposedEntry = { kind };
  if (data !== undefined) entry.data = data;
  if (client !== undefined) entry.client = client;
  if (seq !== undefined) entry.seq = seq;
  return entry;
}
