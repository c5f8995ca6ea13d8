import { ConfigurationError } from '../errors.js';
import { addressProblem } from '../protocol/address.js';
import { clusterIdProblem } from '../protocol/cluster-id.js';
import { DEFAULT_MESSAGE_LIMITS } from '../protocol/validate.js';
import { describe } from '../protocol/validate-json.js';
import { closestName } from './closest-name.js';
import { formatMs } from './format-ms.js';
import type { RaftTiming, RaftTuning } from './options.js';

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

/**
 * The options object itself: an object whose every key is a known option. A misspelt key would be
 * ignored silently (and its default used), so it is refused, naming the closest known key.
 */
export function checkOptionKeys(options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    fail(`options must be an object (or left out), not ${describe(options)}`);
  for (const key of Object.keys(options as object)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    fail(`unknown option ${JSON.stringify(key)}${near === null ? '' : `; did you mean ${near}?`}`);
  }
}

/**
 * The pluggable parts have the methods the runtime calls, so that a wrong object fails here and not
 * at the first write, message or commit.
 */
export function checkComponents(options: {
  storage?: unknown;
  stateMachine?: unknown;
  transport?: unknown;
  clock?: unknown;
  random?: unknown;
}): void {
  component(options.storage, 'storage', ['load', 'persist'], ['close']);
  component(options.stateMachine, 'stateMachine', ['apply', 'snapshot', 'restore'], []);
  component(options.transport, 'transport', ['open', 'createInstance', 'close'], ['onPeer', 'onPeerGone']);
  component(options.clock, 'clock', ['now', 'setTimer', 'clearTimer', 'defer'], []);
  if (options.random !== undefined && typeof options.random !== 'function')
    fail(`random must be a function returning numbers in [0, 1), not ${describe(options.random)}`);
}

function component(value: unknown, name: string, required: string[], optional: string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null)
    fail(`${name} must be an object with ${required.join(', ')}, not ${describe(value)}`);
  const fields = value as Record<string, unknown>;
  const missing = required.filter((m) => typeof fields[m] !== 'function');
  if (missing.length > 0)
    fail(`${name} must have the function${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  for (const m of optional)
    if (fields[m] !== undefined && typeof fields[m] !== 'function')
      fail(`${name}.${m} must be a function when present`);
}

/** The timing options, when the node is made. */
export function checkTimingOptions(timing: RaftTiming): void {
  for (const key of Object.keys(timing) as (keyof RaftTiming)[]) positiveMs(key, timing[key]);
  if (timing.electionTimeoutMin > timing.electionTimeoutMax)
    fail(
      `electionTimeoutMin (${formatMs(timing.electionTimeoutMin)}) must not exceed electionTimeoutMax (${formatMs(timing.electionTimeoutMax)})`,
    );
  heartbeatShorterThanTimeout(timing.heartbeatFrequency, timing.heartbeatTimeout);
}

/** The seed's timing getters (a subclass may override them), read when the node starts. */
export function checkTiming(timing: {
  heartbeatFrequency: number;
  heartbeatTimeout: number;
  electionTimeout: number;
}): void {
  positiveMs('heartbeatFrequency', timing.heartbeatFrequency);
  positiveMs('electionTimeout', timing.electionTimeout);
  positiveMs('heartbeatTimeout', timing.heartbeatTimeout);
  heartbeatShorterThanTimeout(timing.heartbeatFrequency, timing.heartbeatTimeout);
}

function positiveMs(name: string, value: unknown): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0))
    fail(`${name} must be a positive number of ms, not ${describeMs(value)}`);
}

/** Paper 5.6: the leader must be heard from several times per timeout, or followers time out while it is alive. */
function heartbeatShorterThanTimeout(heartbeatFrequency: number, heartbeatTimeout: number): void {
  if (!(heartbeatTimeout > heartbeatFrequency))
    fail(
      `heartbeatTimeout (${formatMs(heartbeatTimeout)}) must be longer than heartbeatFrequency (${formatMs(heartbeatFrequency)})`,
    );
}

/**
 * Node ids, client ids and the initial voters, against the address rule (protocol/address.ts): what
 * every node accepts in messages.
 */
export function checkIdentity(address: unknown, peers: unknown, clientId: unknown): void {
  const max = DEFAULT_MESSAGE_LIMITS.maxIdLength;
  const problem = addressProblem(address, max);
  if (problem !== null) fail(`address ${describe(address)} ${problem} (see the address rule)`);
  if (peers !== undefined) {
    if (!Array.isArray(peers)) fail(`peers must be an array of node addresses, not ${describe(peers)}`);
    const list = peers as unknown[];
    for (let i = 0; i < list.length; i++) {
      const p = addressProblem(list[i], max);
      if (p !== null) fail(`peers[${i}] ${describe(list[i])} ${p} (see the address rule)`);
    }
    // A node not among them is no initial voter: it waits to be added with join(), as with [].
    if (new Set(list).size !== list.length) fail('peers lists a node twice');
  }
  if (clientId !== undefined) {
    const p = addressProblem(clientId, max);
    if (p !== null) fail(`clientId ${describe(clientId)} ${p} (it follows the address rule)`);
  }
  // The runtime appends a suffix per start, and read contexts append a counter: leave room for both.
  const base = (clientId as string | undefined) ?? (address as string);
  if (base.length > CLIENT_ID_MAX)
    fail(`clientId (by default the address) must be at most ${CLIENT_ID_MAX} characters`);
}

/** `clusterId` follows the address rule; `clusterToken` is any string of bounded length. */
export function checkClusterOptions(clusterId: unknown, clusterToken: unknown): void {
  const max = DEFAULT_MESSAGE_LIMITS.maxIdLength;
  if (clusterId !== undefined) {
    const p = clusterIdProblem(clusterId, max);
    if (p !== null) fail(`clusterId ${describe(clusterId)} ${p} (it follows the address rule)`);
  }
  if (clusterToken !== undefined && (typeof clusterToken !== 'string' || clusterToken.length > max))
    fail(`clusterToken must be a string of at most ${max} characters, not ${describe(clusterToken)}`);
}

/** Room left in an id or read context for the per-start suffix and a read counter. */
const CLIENT_ID_MAX = DEFAULT_MESSAGE_LIMITS.maxIdLength - 32;

function integer(tuning: RaftTuning, key: keyof RaftTuning, min: number, max = Number.MAX_SAFE_INTEGER) {
  const value = tuning[key];
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
    fail(`${key} must be an integer from ${min} to ${max}, not ${describe(value)}`);
}

function duration(tuning: RaftTuning, key: keyof RaftTuning, zeroAllowed: boolean) {
  const value = tuning[key] as number;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed))
    fail(
      `${key} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number of ms, not ${describeMs(value)}`,
    );
}

/** A duration a caller passed, for a message: rounded when a number (formatMs). */
function describeMs(value: unknown): string {
  return typeof value === 'number' ? formatMs(value) : describe(value);
}

function fail(message: string): never {
  throw new ConfigurationError(message);
}
