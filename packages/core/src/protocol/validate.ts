/**
 * Schema validation of every message a peer sends (docs/architecture.md, Message validation). The protocol
 * code trusts the shapes in types.ts; this is the one place where bytes from the network become those shapes,
 * so a buggy or hostile peer can only get its message dropped (an `error` event), never crash the node,
 * overflow a term, corrupt the log or pollute prototypes.
 *
 * It runs on every message (thousands a second on a leader): the happy path reads each field once,
 * builds no strings (reasons are built only when a check fails) and uses no regexes or JSON.stringify.
 * Reading each field exactly once and returning a fresh object also means a getter or Proxy cannot show
 * one value to the checks and another to the protocol.
 */

import { InvalidMessageError } from '../errors.js';
import { addressProblem } from './address.js';
import { clusterIdProblem } from './cluster-id.js';
import { ENTRY_OVERHEAD } from './entry-size.js';
import { makeEntry, makeProposedEntry } from './make-entry.js';
import type {
  ClusterConfig,
  Entry,
  EntryKind,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  MessageType,
  ProposedEntry,
  ReadIndexResponseMessage,
  SnapshotMeta,
  VoteMessage,
} from './types.js';
import { MESSAGE_TYPES } from './types.js';
import {
  type Budget,
  describe,
  type Fields,
  grow,
  isPlainObject,
  measureJson,
  path,
  Rejection,
  readBoolean,
  readEntryCount,
  readIndex,
  readObject,
  readOptionalString,
  readString,
  readTerm,
  refuse,
} from './validate-json.js';

export interface MessageLimits {
  /** Entries in one `append` or `propose`. */
  maxEntriesPerMessage: number;
  /** Approximate serialized size of the whole message, in characters. */
  maxPayloadChars: number;
  /** Length of one snapshot chunk (`snapshot.data`). */
  maxSnapshotChunkChars: number;
  /** Length of node ids (in configurations) and client ids (in entries). */
  maxIdLength: number;
  /** Length of read-index contexts. */
  maxContextLength: number;
}

/**
 * Generous for real traffic, small enough that one message cannot exhaust a tab's memory. The leader
 * must batch and propose within the same limits, or followers would refuse its entries forever.
 */
export const DEFAULT_MESSAGE_LIMITS: Readonly<MessageLimits> = Object.freeze({
  maxEntriesPerMessage: 10_000,
  maxPayloadChars: 8 * 1024 * 1024,
  maxSnapshotChunkChars: 1024 * 1024,
  maxIdLength: 256,
  maxContextLength: 256,
});

/**
 * Serialized size of a message's keys and numbers (and, `ENTRY_OVERHEAD`, of one entry's), with every
 * number at its longest: the strings and data are added to these, so the estimate stays above the
 * real size.
 */
const MESSAGE_OVERHEAD = 256;

/**
 * Each message type to its string constant. A parsed `type` is a fresh string, which every comparison
 * with a literal (the protocol makes several per message) compares character by character; the
 * constant, like the literals, is internalized and compares by identity.
 */
const MESSAGE_TYPE_CONSTANTS: ReadonlyMap<unknown, MessageType> = new Map(MESSAGE_TYPES.map((t) => [t, t]));

/**
 * Returns `payload` as a Message when it is well-formed and was sent by `expected.from` to
 * `expected.to`; otherwise throws an InvalidMessageError naming the offending field. Never throws
 * anything else. The result is a freshly built object holding only the known fields; entry `data`
 * is kept by reference once checked.
 */
export function validateMessage(
  payload: unknown,
  expected: ExpectedHeader,
  limits: MessageLimits = DEFAULT_MESSAGE_LIMITS,
): Message {
  try {
    return parseMessage(payload, expected, limits);
  } catch (e) {
    if (!Rejection.is(e))
      throw new InvalidMessageError('the payload could not be read (a getter or proxy threw)', expected.from);
    throw new InvalidMessageError(
      e.reason,
      expected.from,
      e.otherCluster ? 'OTHER_CLUSTER' : 'INVALID_MESSAGE',
    );
  }
}

/**
 * What the receiving node knows of a message before reading it: who the transport says sent it, who
 * it is (`to`), and its cluster id (protocol/cluster-id.ts). With `cluster` a string, only messages
 * of that cluster pass; null or absent (a joiner without an id yet), any valid cluster id passes and
 * is kept on the message, so the node can adopt its first leader's.
 */
export interface ExpectedHeader {
  from: string;
  to: string;
  cluster?: string | null;
}

/**
 * Why `config` would be refused by every node's validator, or null when it would not: the check a
 * leader runs before it appends a configuration change (its own or a forwarded one), so that it never
 * appends an entry its followers refuse (they would refuse every append after it too).
 */
export function configProblem(
  config: unknown,
  limits: MessageLimits = DEFAULT_MESSAGE_LIMITS,
): string | null {
  try {
    readConfig({ limits, size: MESSAGE_OVERHEAD }, config, 'the configuration');
    return null;
  } catch (e) {
    return Rejection.is(e) ? e.reason : 'the configuration could not be read';
  }
}

function parseMessage(payload: unknown, expected: ExpectedHeader, limits: MessageLimits): Message {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || !isPlainObject(payload)) {
    refuse(`the payload must be a plain object, got ${describe(payload)}`);
  }
  const p = payload as Fields;
  const type = p.type;
  const t = MESSAGE_TYPE_CONSTANTS.get(type) ?? refuse(`unknown message type ${describe(type)}`);

  // The transport stamps who sent it: a node cannot speak as another (or to another) by saying so.
  const from = p.from;
  if (from !== expected.from) {
    refuse(
      `${t}.from must be ${describe(expected.from)} (the sender the transport saw), got ${describe(from)}`,
    );
  }
  const to = p.to;
  if (to !== expected.to) refuse(`${t}.to must be ${describe(expected.to)} (this node), got ${describe(to)}`);
  checkSender(expected.from, limits.maxIdLength);
  const cluster = readCluster(p.cluster, expected.cluster ?? null, t, limits.maxIdLength);
  const term = readTerm(p.term, t, -1, 'term');
  const budget: Budget = {
    limits,
    size: MESSAGE_OVERHEAD + expected.from.length + expected.to.length + (cluster?.length ?? 0),
  };
  grow(budget, 0, t, -1, '');
  const message = parseBody(t, p, expected, term, budget, limits);
  // Only a node without an id needs to see the sender's; everyone else knows it already.
  if (cluster !== undefined && expected.cluster == null) message.cluster = cluster;
  return message;
}

/**
 * The sender's cluster id, checked against this node's (`own`; null while a joiner has none). A
 * mismatch is reported apart from a malformed message (code OTHER_CLUSTER).
 */
function readCluster(
  value: unknown,
  own: string | null,
  t: MessageType,
  maxLength: number,
): string | undefined {
  if (own !== null) {
    if (value === own) return own;
    throw new Rejection(
      value === undefined
        ? `${t} carries no cluster id, and this node belongs to cluster ${own}`
        : `${t} is of cluster ${describe(value)}, and this node belongs to cluster ${own}`,
      true,
    );
  }
  if (value === undefined) return undefined;
  const problem = clusterIdProblem(value, maxLength);
  if (problem !== null) refuse(`${t}.cluster ${describe(value)} ${problem}`);
  return value as string;
}

/** The fields of each message type, after the header (type, from, to, cluster, term) was read. */
function parseBody(
  t: MessageType,
  p: Fields,
  expected: ExpectedHeader,
  term: number,
  budget: Budget,
  limits: MessageLimits,
): Message {
  switch (t) {
    case 'append': {
      const index = readIndex(p.index, t, -1, 'index');
      const logTerm = readTerm(p.logTerm, t, -1, 'logTerm');
      // The previous entry cannot come from a term later than the leader's own.
      if (logTerm > term) refuse(`append.logTerm must be <= append.term (${term}), got ${logTerm}`);
      // Any index is fine here: the receiver bounds commit by what it knows matches (paper 5.3).
      const commit = readIndex(p.commit, t, -1, 'commit');
      const entries = readLogEntries(budget, p.entries, index, logTerm, term);
      return { type: t, from: expected.from, to: expected.to, term, index, logTerm, entries, commit };
    }
    case 'appendResponse': {
      const index = readIndex(p.index, t, -1, 'index');
      const reject = readBoolean(p.reject, t, 'reject');
      // The hints (where the follower's log could match) come as a pair and are required on a
      // rejection; an acknowledgement may leave both out.
      const rawHintIndex = p.hintIndex;
      const rawHintTerm = p.hintTerm;
      if (!reject && rawHintIndex === undefined && rawHintTerm === undefined) {
        return { type: t, from: expected.from, to: expected.to, term, index, reject };
      }
      const hintIndex = readIndex(rawHintIndex, t, -1, 'hintIndex');
      const hintTerm = readTerm(rawHintTerm, t, -1, 'hintTerm');
      return { type: t, from: expected.from, to: expected.to, term, index, reject, hintIndex, hintTerm };
    }
    case 'heartbeat': {
      const commit = readIndex(p.commit, t, -1, 'commit');
      const context = readOptionalString(budget, p.context, t, 'context', limits.maxContextLength);
      const message: HeartbeatMessage = { type: t, from: expected.from, to: expected.to, term, commit };
      if (context !== undefined) message.context = context;
      readSentAt(p.sentAt, t, message);
      return message;
    }
    case 'heartbeatResponse': {
      const context = readOptionalString(budget, p.context, t, 'context', limits.maxContextLength);
      const message: HeartbeatResponseMessage = { type: t, from: expected.from, to: expected.to, term };
      if (context !== undefined) message.context = context;
      readSentAt(p.sentAt, t, message);
      return message;
    }
    case 'vote': {
      const preVote = readBoolean(p.preVote, t, 'preVote');
      const index = readIndex(p.index, t, -1, 'index');
      const logTerm = readTerm(p.logTerm, t, -1, 'logTerm');
      // A candidate's last entry is never from a term later than the one it campaigns in (5.4.1).
      if (logTerm > term) refuse(`vote.logTerm must be <= vote.term (${term}), got ${logTerm}`);
      const transfer = p.transfer;
      const message: VoteMessage = {
        type: t,
        from: expected.from,
        to: expected.to,
        term,
        preVote,
        index,
        logTerm,
      };
      if (transfer !== undefined) message.transfer = readBoolean(transfer, t, 'transfer');
      return message;
    }
    case 'voteResponse': {
      const preVote = readBoolean(p.preVote, t, 'preVote');
      const reject = readBoolean(p.reject, t, 'reject');
      return { type: t, from: expected.from, to: expected.to, term, preVote, reject };
    }
    case 'snapshot': {
      const meta = readSnapshotMeta(budget, p.meta, term);
      const offset = readIndex(p.offset, t, -1, 'offset');
      const data = readString(budget, p.data, t, 'data', limits.maxSnapshotChunkChars);
      const done = readBoolean(p.done, t, 'done');
      return { type: t, from: expected.from, to: expected.to, term, meta, offset, data, done };
    }
    case 'snapshotResponse': {
      const index = readIndex(p.index, t, -1, 'index');
      const offset = readIndex(p.offset, t, -1, 'offset');
      const reject = readBoolean(p.reject, t, 'reject');
      return { type: t, from: expected.from, to: expected.to, term, index, offset, reject };
    }
    case 'timeoutNow':
      return { type: t, from: expected.from, to: expected.to, term };
    case 'propose': {
      const base = 'propose.entries';
      const raw = p.entries;
      const n = readEntryCount(raw, base, limits.maxEntriesPerMessage);
      const entries: ProposedEntry[] = [];
      for (let i = 0; i < n; i++) {
        const fields = readObject((raw as unknown[])[i], base, i);
        const kind = readKind(fields.kind, base, i);
        grow(budget, ENTRY_OVERHEAD, base, i, '');
        const data = readEntryData(budget, fields.data, kind, base, i);
        const client = readEntryClient(budget, fields.client, base, i);
        const seq = fields.seq === undefined ? undefined : readIndex(fields.seq, base, i, 'seq');
        entries.push(makeProposedEntry(kind, data, client, seq));
      }
      return { type: t, from: expected.from, to: expected.to, term, entries };
    }
    case 'proposeRefused': {
      const client = readClientId(budget, p.client, t, -1);
      const code = readString(budget, p.code, t, 'code', limits.maxContextLength);
      const reason = readString(budget, p.reason, t, 'reason', limits.maxContextLength);
      const raw = p.seqs;
      const n = readEntryCount(raw, 'proposeRefused.seqs', limits.maxEntriesPerMessage);
      const seqs: number[] = [];
      for (let i = 0; i < n; i++) seqs.push(readIndex((raw as unknown[])[i], t, i, 'seqs'));
      return { type: t, from: expected.from, to: expected.to, term, client, seqs, code, reason };
    }
    case 'readIndex': {
      const context = readString(budget, p.context, t, 'context', limits.maxContextLength);
      return { type: t, from: expected.from, to: expected.to, term, context };
    }
    case 'readIndexResponse': {
      const context = readString(budget, p.context, t, 'context', limits.maxContextLength);
      const index = p.index;
      // -1 is the leader's refusal; anything else is a commit index.
      if (!Number.isSafeInteger(index) || (index as number) < -1) {
        refuse(
          `readIndexResponse.index must be a safe integer >= -1 (-1 means refused), got ${describe(index)}`,
        );
      }
      const message: ReadIndexResponseMessage = {
        type: t,
        from: expected.from,
        to: expected.to,
        term,
        context,
        index: index as number,
      };
      if (p.code !== undefined) {
        if (index !== -1) refuse('readIndexResponse.code is only sent with a refusal (index -1)');
        message.code = readString(budget, p.code, t, 'code', limits.maxContextLength);
      }
      return message;
    }
  }
}

/**
 * Entries of an AppendEntries. Their positions are implied by `index` (paper 5.3), so any gap or
 * overlap would write entries at the wrong place; their terms must form a valid log suffix: not below
 * the previous entry's term, and not above the leader's term (Log Matching relies on both).
 */
function readLogEntries(budget: Budget, raw: unknown, index: number, logTerm: number, term: number): Entry[] {
  const base = 'append.entries';
  const n = readEntryCount(raw, base, budget.limits.maxEntriesPerMessage);
  const entries: Entry[] = [];
  let previousTerm = logTerm;
  for (let i = 0; i < n; i++) {
    const fields = readObject((raw as unknown[])[i], base, i);
    const entryIndex = readIndex(fields.index, base, i, 'index');
    const wanted = index + 1 + i;
    if (entryIndex !== wanted) {
      refuse(
        `${base}[${i}].index must be ${wanted} (consecutive after index ${wanted - 1}), got ${entryIndex}`,
      );
    }
    const entryTerm = readTerm(fields.term, base, i, 'term');
    if (entryTerm < previousTerm) {
      refuse(
        i === 0
          ? `${base}[0].term must be >= append.logTerm (${logTerm}), got ${entryTerm}`
          : `${base}[${i}].term must be >= ${base}[${i - 1}].term (${previousTerm}): terms never decrease along a log, got ${entryTerm}`,
      );
    }
    if (entryTerm > term) {
      refuse(
        `${base}[${i}].term must be <= append.term (${term}): no entry is newer than its leader, got ${entryTerm}`,
      );
    }
    previousTerm = entryTerm;
    const kind = readKind(fields.kind, base, i);
    grow(budget, ENTRY_OVERHEAD, base, i, '');
    const data = readEntryData(budget, fields.data, kind, base, i);
    const client = readEntryClient(budget, fields.client, base, i);
    const seq = fields.seq === undefined ? undefined : readIndex(fields.seq, base, i, 'seq');
    // A fresh object with a fixed key order (one hidden class for the hot path).
    entries.push(makeEntry(entryIndex, entryTerm, kind, data, client, seq));
  }
  return entries;
}

/**
 * The leader's clock reading, echoed back by the follower; lease reads measure from it (thesis 6.4.1).
 * Only a finite, non-negative number is let through (the leader compares it with its own readings).
 */
function readSentAt(
  value: unknown,
  base: string,
  message: HeartbeatMessage | HeartbeatResponseMessage,
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    refuse(`${base}.sentAt must be a finite non-negative number when present, got ${describe(value)}`);
  }
  message.sentAt = value;
}

/** The kind as its string constant, not the parsed string (see MESSAGE_TYPE_CONSTANTS). */
function readKind(kind: unknown, base: string, i: number): EntryKind {
  if (kind === 'command') return 'command';
  if (kind === 'noop') return 'noop';
  if (kind === 'config') return 'config';
  return refuse(`${base}[${i}].kind must be 'command', 'noop' or 'config', got ${describe(kind)}`);
}

/** The `data` of a log entry or proposal: a sound configuration, or any JSON within the budget. */
function readEntryData(budget: Budget, data: unknown, kind: EntryKind, base: string, i: number): unknown {
  // A configuration takes effect as soon as it is appended (thesis 4.1): it must be sound on arrival.
  if (kind === 'config') return readConfig(budget, data, `${base}[${i}].data`);
  if (data === undefined) return undefined;
  try {
    budget.size += measureJson(data, budget.limits.maxPayloadChars - budget.size);
  } catch (e) {
    if (Rejection.is(e)) refuse(`${base}[${i}].data${e.reason}`);
    throw e;
  }
  return data;
}

/** The proposer of a log entry or proposal (exactly-once bookkeeping), when it names one. */
function readEntryClient(budget: Budget, client: unknown, base: string, i: number): string | undefined {
  if (client === undefined) return undefined;
  return readClientId(budget, client, base, i);
}

/** A client id follows the address rule (address.ts); an id equal to the last one read was checked then. */
function readClientId(budget: Budget, client: unknown, base: string, i: number): string {
  if (client !== lastClient) {
    const problem = addressProblem(client, budget.limits.maxIdLength);
    if (problem !== null) refuse(`${path(base, i, 'client')} ${problem}, got ${describe(client)}`);
  }
  const id = client as string;
  grow(budget, id.length, base, i, 'client');
  return sameClientString(id);
}

/** The last client id read, handed out again for an equal one (see `sameClientString`). */
let lastClient: string | null = null;

/** The last sender found to be a valid address: a node hears from the same few peers over and over. */
let lastSender: string | null = null;

/** The sender the transport names must be a valid address (address.ts) like every other id. */
function checkSender(from: string, maxIdLength: number): void {
  if (from === lastSender) return;
  const problem = addressProblem(from, maxIdLength);
  if (problem !== null) refuse(`the sender's address ${describe(from)} ${problem}`);
  lastSender = from;
}

/**
 * Every entry parsed from the network carries its own copy of its proposer's id, and the followers'
 * logs and storage would keep one string per entry; the session table would hash each one anew and
 * compare it with its key character by character. Consecutive entries nearly always come from the
 * same proposer: one string object serves them all (strings are values, so nothing can tell).
 */
function sameClientString(client: string): string {
  if (client === lastClient) return lastClient;
  lastClient = client;
  return client;
}

function readSnapshotMeta(budget: Budget, value: unknown, term: number): SnapshotMeta {
  const fields = readObject(value, 'snapshot.meta', -1);
  const index = readIndex(fields.index, 'snapshot.meta', -1, 'index');
  const metaTerm = readTerm(fields.term, 'snapshot.meta', -1, 'term');
  // The last entry a snapshot covers cannot be newer than the leader sending it.
  if (metaTerm > term) refuse(`snapshot.meta.term must be <= snapshot.term (${term}), got ${metaTerm}`);
  const config = readConfig(budget, fields.config, 'snapshot.meta.config');
  return { index, term: metaTerm, config };
}

/**
 * A cluster configuration, rebuilt. Duplicates would count one node's vote twice; a node both voter
 * and learner would be ambiguous; with no voter the cluster could never elect or commit again.
 */
function readConfig(budget: Budget, value: unknown, where: string): ClusterConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse(`${where} must be a cluster configuration {voters, learners}, got ${describe(value)}`);
  }
  const fields = value as Fields;
  const voters = readIds(budget, fields.voters, `${where}.voters`);
  const learners = readIds(budget, fields.learners, `${where}.learners`);
  if (voters.length === 0) refuse(`${where}.voters must name at least one voter`);
  const seen = new Set<string>();
  for (let i = 0; i < voters.length; i++) {
    if (seen.has(voters[i]!)) refuse(`${where}.voters[${i}] ${describe(voters[i])} is repeated`);
    seen.add(voters[i]!);
  }
  for (let i = 0; i < learners.length; i++) {
    const id = learners[i]!;
    if (seen.has(id)) {
      refuse(`${where}.learners[${i}] ${describe(id)} is repeated or also a voter (a node has one role)`);
    }
    seen.add(id);
  }
  const config: ClusterConfig = { voters, learners };
  if (fields.base !== undefined) config.base = readIndex(fields.base, where, -1, 'base');
  return config;
}

function readIds(budget: Budget, value: unknown, where: string): string[] {
  if (!Array.isArray(value)) refuse(`${where} must be an array of node ids, got ${describe(value)}`);
  const n: unknown = (value as unknown[]).length; // a Proxy may report anything
  // Each id costs at least 4 characters: refuse absurd lengths before reading anything.
  if (
    !Number.isSafeInteger(n) ||
    (n as number) < 0 ||
    4 * (n as number) > budget.limits.maxPayloadChars - budget.size
  ) {
    refuse(`${where} has too many ids (maxPayloadChars)`);
  }
  const ids: string[] = [];
  const max = budget.limits.maxIdLength;
  for (let i = 0; i < (n as number); i++) {
    const id = (value as unknown[])[i];
    const problem = addressProblem(id, max);
    if (problem !== null) refuse(`${where}[${i}] ${problem} (not a node address), got ${describe(id)}`);
    grow(budget, (id as string).length + 3, where, i, '');
    ids.push(id as string);
  }
  return ids;
}
