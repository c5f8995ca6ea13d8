import { ConfigurationError } from '../errors.js';
import { DEFAULT_MESSAGE_LIMITS } from '../protocol/validate.js';
import type { RaftTuning } from './options.js';

/**
 * Checks options before a node uses them, so that a mistake is a `ConfigurationError` at once rather
 * than a node that misbehaves later. Some limits follow from what followers accept: every node
 * validates incoming messages against `DEFAULT_MESSAGE_LIMITS`, so a leader that batched beyond them
 * would have its appends refused forever.
 */
export function checkTuning(tuning: RaftTuning): void {
  const limits = DEFAULT_MESSAGE_LIMITS;
  for (const key of ['preVote', 'checkQuorum', 'promoteLearners'] as const)
    if (typeof tuning[key] !== 'boolean') fail(`${key} must be a boolean`);
  integer(tuning, 'maxEntriesPerAppend', 1, limits.maxEntriesPerMessage);
  // Half the message limit each leaves room for the per-entry overhead of a full append.
  integer(tuning, 'maxAppendChars', 1, limits.maxPayloadChars / 2);
  integer(tuning, 'maxCommandChars', 1, limits.maxPayloadChars / 2);
  integer(tuning, 'snapshotChunkChars', 1, limits.maxSnapshotChunkChars);
  integer(tuning, 'maxInflight', 1);
  integer(tuning, 'maxUncommittedEntries', 1);
  integer(tuning, 'snapshotThreshold', 1);
  integer(tuning, 'snapshotTrailingEntries', 0);
  integer(tuning, 'learnerCatchUpLag', 0);
  integer(tuning, 'maxApplyBatch', 1);
  duration(tuning, 'proposalTimeout', false);
  duration(tuning, 'memberTimeout', true);
  duration(tuning, 'leaseClockDrift', true);
  if (tuning.readPolicy !== 'readIndex' && tuning.readPolicy !== 'lease')
    fail(`readPolicy must be 'readIndex' or 'lease', not ${String(tuning.readPolicy)}`);
  // Thesis 6.4.1: the lease rests on voters ignoring candidates while they hear from a leader.
  if (tuning.readPolicy === 'lease' && !tuning.checkQuorum) fail("readPolicy 'lease' needs checkQuorum");
}

/** The seed's timing getters, read once when the node starts. */
export function checkTiming(timing: {
  heartbeatFrequency: number;
  heartbeatTimeout: number;
  electionTimeout: number;
}): void {
  const { heartbeatFrequency, heartbeatTimeout, electionTimeout } = timing;
  if (!(Number.isFinite(heartbeatFrequency) && heartbeatFrequency > 0))
    fail(`heartbeatFrequency must be a positive number of ms, not ${heartbeatFrequency}`);
  if (!(Number.isFinite(electionTimeout) && electionTimeout > 0))
    fail(`electionTimeout must be a positive number of ms, not ${electionTimeout}`);
  // Paper 5.6: the leader must be heard from several times per election timeout, or followers
  // time out while it is alive.
  if (!(Number.isFinite(heartbeatTimeout) && heartbeatTimeout > heartbeatFrequency))
    fail(
      `heartbeatTimeout (${heartbeatTimeout} ms) must be longer than heartbeatFrequency (${heartbeatFrequency} ms)`,
    );
}

/** Node ids, client ids and the initial voters, against what followers accept in messages. */
export function checkIdentity(address: string, peers: unknown, clientId: unknown): void {
  const limits = DEFAULT_MESSAGE_LIMITS;
  if (address.length > limits.maxIdLength) fail(`address must be at most ${limits.maxIdLength} characters`);
  if (peers !== undefined) {
    if (!Array.isArray(peers) || peers.some((p) => typeof p !== 'string' || p === ''))
      fail('peers must be an array of non-empty strings');
    const list = peers as string[];
    // A node not among them is no initial voter: it waits to be added with join(), as with [].
    if (new Set(list).size !== list.length) fail('peers lists a node twice');
    for (const p of list)
      if (p.length > limits.maxIdLength) fail(`peer ids must be at most ${limits.maxIdLength} characters`);
  }
  if (clientId !== undefined) {
    if (typeof clientId !== 'string' || clientId === '') fail('clientId must be a non-empty string');
  }
  // The runtime appends a suffix per start, and read contexts append a counter: leave room for both.
  const base = (clientId as string | undefined) ?? address;
  if (base.length > CLIENT_ID_MAX)
    fail(`clientId (by default the address) must be at most ${CLIENT_ID_MAX} characters`);
}

/** Room left in an id or read context for the per-start suffix and a read counter. */
const CLIENT_ID_MAX = DEFAULT_MESSAGE_LIMITS.maxIdLength - 32;

function integer(tuning: RaftTuning, key: keyof RaftTuning, min: number, max = Number.MAX_SAFE_INTEGER) {
  const value = tuning[key];
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
    fail(`${key} must be an integer from ${min} to ${max}, not ${String(value)}`);
}

function duration(tuning: RaftTuning, key: keyof RaftTuning, zeroAllowed: boolean) {
  const value = tuning[key] as number;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed))
    fail(`${key} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number of ms, not ${String(value)}`);
}

function fail(message: string): never {
  throw new ConfigurationError(message);
}
