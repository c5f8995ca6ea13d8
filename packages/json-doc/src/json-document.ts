import { ConfigurationError, type StateMachine, StorageCorruptError } from '@webraft/core';
import { checkCommand, invalidResult, type PatchResult } from './command.js';
import { InvalidPatchError } from './errors.js';
import { deepFreeze, frozenCopy, jsonProblem } from './json-value.js';
import { PATCH_LIMITS } from './limits.js';
import { Listeners } from './listeners.js';
import { patchDocument } from './patch-document.js';
import type { FrozenJson, JsonPatch, JsonValue } from './types.js';

/** What a subscriber hears: a patch applied (or a snapshot installed), and the document after it. */
export interface JsonDocChange<T extends JsonValue = JsonValue> {
  /** The patch as applied; a restored snapshot shows as one `replace` of the whole document. */
  patch: JsonPatch;
  /** The log index of the patch (of the snapshot, for a restore). */
  index: number;
  /** Who proposed it (`createJsonDoc`'s `proposer`, by default the node's address). */
  proposer: string | undefined;
  value: FrozenJson<T>;
  previous: FrozenJson<T>;
  /** Set when the change is a snapshot from the leader replacing the whole document. */
  restored?: true;
}

/** Every committed patch command, applied or not, as seen by the proposer's optimistic view. */
export interface PatchOutcomeEvent {
  proposer: string | undefined;
  ref: string | undefined;
  index: number;
  applied: boolean;
}

export interface JsonDocumentOptions {
  /** Where an error thrown by a subscriber goes (by default: thrown again in a microtask). */
  onListenerError?: (error: unknown) => void;
}

/** What `snapshot()` returns. */
interface DocumentSnapshot {
  value: JsonValue;
  index: number;
}

/**
 * A `StateMachine` (from @webraft/core) holding one JSON document, changed by RFC 6902 patches.
 * Give it to `RaftInterface` as `stateMachine`, then use `createJsonDoc(raft, doc)` to propose.
 *
 * Every node applies the same patches in log order to the same initial value, so every node holds
 * the same document. `value` is deeply frozen and never changes under a reader: each patch makes a
 * new version that shares the unchanged subtrees with the previous one.
 */
export class JsonDocument<T extends JsonValue = JsonValue> implements StateMachine {
  private current: JsonValue;
  private lastIndex = 0;
  private readonly changes: Listeners<JsonDocChange<T>>;
  private readonly outcomes = new Listeners<PatchOutcomeEvent>();

  /** `initial` (default `{}`) must be the same on every node: it is the document before the first patch. */
  constructor(initial: T | JsonValue = {}, options: JsonDocumentOptions = {}) {
    const problem = jsonProblem(initial, PATCH_LIMITS.maxDocumentDepth);
    if (problem) throw new ConfigurationError(`the initial document is not plain JSON: ${problem.detail}`);
    this.current = frozenCopy(initial);
    this.changes = new Listeners(options.onListenerError);
  }

  /** The document as of the last patch applied on this node, deeply frozen. */
  get value(): FrozenJson<T> {
    return this.current as FrozenJson<T>;
  }

  /**
   * The log index of the last patch command this node applied, or failed or refused alike (or of the
   * last one in the snapshot restored); 0 before any.
   */
  get index(): number {
    return this.lastIndex;
  }

  /** Calls `listener` after each change on this node; returns a function that unsubscribes. */
  subscribe(listener: (change: JsonDocChange<T>) => void): () => void {
    return this.changes.add(listener);
  }

  /** For `createJsonDoc`: hears every committed patch command, applied or refused. */
  observeOutcomes(listener: (event: PatchOutcomeEvent) => void): () => void {
    return this.outcomes.add(listener);
  }

  /** StateMachine: applies one committed command. Never throws; a patch that fails changes nothing. */
  apply(command: unknown, meta: { index: number; term: number }): PatchResult {
    this.lastIndex = meta.index;
    const parsed = checkCommand(command);
    if (parsed instanceof InvalidPatchError) {
      this.outcomes.emit({ proposer: undefined, ref: undefined, index: meta.index, applied: false });
      return invalidResult(parsed);
    }
    const { checked, proposer, ref } = parsed;
    const outcome = patchDocument(this.current, checked);
    const previous = this.current;
    if (outcome.ok) this.current = outcome.value;
    this.outcomes.emit({ proposer, ref, index: meta.index, applied: outcome.ok });
    if (!outcome.ok)
      return { conflict: { operation: outcome.operation, reason: outcome.reason, detail: outcome.detail } };
    if (this.changes.size > 0)
      this.changes.emit({
        patch: checked.patch,
        index: meta.index,
        proposer,
        value: this.current as FrozenJson<T>,
        previous: previous as FrozenJson<T>,
      });
    return { ok: true };
  }

  /** StateMachine: the document and the index it is at (the core copies it). */
  snapshot(): DocumentSnapshot {
    return { value: this.current, index: this.lastIndex };
  }

  /** StateMachine: replaces the document with a snapshot's (the core hands over its own copy). */
  restore(snapshot: unknown): void {
    const s = snapshot as Partial<DocumentSnapshot> | null;
    if (typeof s !== 'object' || s === null || !('value' in s) || !Number.isSafeInteger(s.index))
      throw new StorageCorruptError('json-doc snapshot', 'it is not { value, index }');
    const problem = jsonProblem(s.value, PATCH_LIMITS.maxDocumentDepth + 1);
    if (problem) throw new StorageCorruptError('json-doc snapshot', problem.detail);
    const previous = this.current;
    this.current = deepFreeze(s.value as JsonValue);
    this.lastIndex = s.index!;
    this.changes.emit({
      patch: Object.freeze([Object.freeze({ op: 'replace', path: '', value: this.current })]) as JsonPatch,
      index: this.lastIndex,
      proposer: undefined,
      value: this.current as FrozenJson<T>,
      previous: previous as FrozenJson<T>,
      restored: true,
    });
  }
}
