import { type AbortSignalLike, ConfigurationError, type RaftInterface } from '@webraft/core';
import { type PatchCommand, tagProblem } from './command.js';
import { compare } from './compare.js';
import type { JsonDocChange, JsonDocument } from './json-document.js';
import { mutableCopy } from './json-value.js';
import { OptimisticView } from './optimistic-view.js';
import { type Committed, committedOrThrow } from './patch-outcome.js';
import type { FrozenJson, JsonPatch, JsonValue } from './types.js';
import { type CheckedPatch, validatePatch } from './validate-patch.js';

/** What `createJsonDoc` needs of a node. */
export type JsonDocRaft = Pick<RaftInterface, 'address' | 'propose' | 'read'>;

export interface ProposeOptions {
  timeoutMs?: number;
  signal?: AbortSignalLike;
}

export interface JsonDocOptions {
  /**
   * Names this proposer to subscribers (`change.proposer`); defaults to the node's address. At most
   * 256 characters (else `ConfigurationError`).
   */
  proposer?: string;
  /** Where an error thrown by a `subscribeOptimistic` listener goes (default: thrown in a microtask). */
  onListenerError?: (error: unknown) => void;
}

/** The document's API on one node: see `createJsonDoc`. */
export interface JsonDoc<T extends JsonValue = JsonValue> {
  /** The committed document on this node (deeply frozen). */
  readonly value: FrozenJson<T>;
  /** The log index of the last patch applied on this node. */
  readonly index: number;
  /** `value` with this handle's optimistic patches still in flight applied on top. */
  readonly optimisticValue: FrozenJson<T>;
  readonly document: JsonDocument<T>;
  /**
   * Validates `patch` (rejecting with `InvalidPatchError`, nothing sent), proposes it, and resolves
   * once it is committed and applied here. Rejects with `PatchConflictError` when an operation failed
   * on the document (nothing changed, on any node), or with the core's errors (`ProposalRefusedError`:
   * not applied; `OutcomeUnknownError`: it may still be).
   */
  propose(patch: JsonPatch, options?: ProposeOptions): Promise<Committed>;
  /** `propose`, with the patch shown in `optimisticValue` at once and rolled back if it fails. */
  optimistic(patch: JsonPatch, options?: ProposeOptions): Promise<Committed>;
  /**
   * Edits a mutable copy of `optimisticValue` (change it in place, or return a new value) and
   * proposes the difference optimistically. With `guard` (the default), each value it replaces or
   * removes is tested first, so an edit that raced another edit of the same values fails with
   * `PatchConflictError` instead of overwriting it. Resolves null when nothing changed.
   */
  edit(mutator: (draft: T) => T | undefined, options?: EditOptions): Promise<Committed | null>;
  /** Hears every change applied on this node. */
  subscribe(listener: (change: JsonDocChange<T>) => void): () => void;
  /** Hears every change of `optimisticValue`. */
  subscribeOptimistic(listener: (value: FrozenJson<T>) => void): () => void;
  /** A linearizable read: the document as of (at least) every patch committed before the call. */
  read(options?: { timeoutMs?: number }): Promise<FrozenJson<T>>;
  /** Stops the optimistic view's subscriptions (the document itself goes on applying). */
  close(): void;
}

export interface EditOptions extends ProposeOptions {
  guard?: boolean;
}

/**
 * Binds a `JsonDocument` to the node whose state machine it is (pass it as `stateMachine` to that
 * `RaftInterface`): `const doc = new JsonDocument(); const raft = new RaftInterface(id, { stateMachine:
 * doc, ... }); const board = createJsonDoc(raft, doc)`.
 */
export function createJsonDoc<T extends JsonValue = JsonValue>(
  raft: JsonDocRaft,
  document: JsonDocument<T>,
  options: JsonDocOptions = {},
): JsonDoc<T> {
  const proposer = options.proposer ?? raft.address;
  const problem = tagProblem(proposer);
  if (problem) throw new ConfigurationError(`the proposer ${problem}`);
  const view = new OptimisticView(document, proposer, options.onListenerError);
  // Tells this handle's optimistic patches from other handles' of the same proposer.
  const nonce = Math.floor(Math.random() * 2 ** 48).toString(36);
  let counter = 0;

  async function send(checked: CheckedPatch, ref: string | undefined, opts?: ProposeOptions) {
    const command: PatchCommand = { patch: checked.patch, proposer };
    if (ref !== undefined) command.ref = ref;
    try {
      return committedOrThrow(await raft.propose(command, opts), checked.patch, document.index);
    } finally {
      if (ref !== undefined) view.settle(ref);
    }
  }

  function optimistic(patch: JsonPatch, opts?: ProposeOptions): Promise<Committed> {
    let checked: CheckedPatch;
    try {
      checked = validatePatch(patch);
    } catch (error) {
      return Promise.reject(error);
    }
    const ref = `${nonce}.${++counter}`;
    view.add(ref, checked);
    return send(checked, ref, opts);
  }

  return {
    get value() {
      return document.value;
    },
    get index() {
      return document.index;
    },
    get optimisticValue() {
      return view.value;
    },
    document,
    propose(patch, opts) {
      try {
        return send(validatePatch(patch), undefined, opts);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    optimistic,
    edit(mutator, opts = {}) {
      const before = view.value as JsonValue;
      const draft = mutableCopy(before) as T;
      let after: JsonValue;
      try {
        after = (mutator(draft) ?? draft) as JsonValue;
      } catch (error) {
        return Promise.reject(error);
      }
      const { guard = true, ...proposeOptions } = opts;
      const patch = compare(before, after, { guard });
      if (patch.length === 0) return Promise.resolve(null);
      return optimistic(patch, proposeOptions);
    },
    subscribe: (listener) => document.subscribe(listener),
    subscribeOptimistic: (listener) => view.subscribe(listener),
    async read(opts) {
      await raft.read(opts);
      return document.value;
    },
    close: () => view.close(),
  };
}
