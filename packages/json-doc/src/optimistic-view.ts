import type { JsonDocument } from './json-document.js';
import { Listeners } from './listeners.js';
import { patchDocument } from './patch-document.js';
import type { FrozenJson, JsonValue } from './types.js';
import type { CheckedPatch } from './validate-patch.js';

/**
 * The document as this proposer expects it: the committed value with this proposer's patches that
 * are still in flight applied on top, in the order they were proposed. A patch leaves the view when
 * its outcome is known: applied (it is then in the committed value), failed on the document or
 * refused (it is rolled back). One that would fail on the current value is left out of the view.
 */
export class OptimisticView<T extends JsonValue> {
  private readonly pending = new Map<string, CheckedPatch>();
  private cached: JsonValue | null = null;
  private shown: JsonValue;
  private readonly listeners: Listeners<FrozenJson<T>>;
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly doc: JsonDocument<T>,
    proposer: string,
    onListenerError?: (error: unknown) => void,
  ) {
    this.shown = doc.value as JsonValue;
    this.listeners = new Listeners(onListenerError);
    this.unsubscribe = [
      doc.observeOutcomes((event) => {
        if (event.ref !== undefined && event.proposer === proposer) this.settle(event.ref);
      }),
      doc.subscribe(() => this.changed()),
    ];
  }

  get value(): FrozenJson<T> {
    if (this.pending.size === 0) return this.doc.value;
    this.cached ??= this.compute();
    return this.cached as FrozenJson<T>;
  }

  /** Shows `patch` at once. */
  add(ref: string, patch: CheckedPatch): void {
    this.pending.set(ref, patch);
    this.changed();
  }

  /** The patch's outcome is known: it leaves the view (idempotent). */
  settle(ref: string): void {
    if (this.pending.delete(ref)) this.changed();
  }

  /** Calls `listener` with the view each time it changes. */
  subscribe(listener: (value: FrozenJson<T>) => void): () => void {
    // What listeners were last shown is tracked only while there are some.
    if (this.listeners.size === 0) this.shown = this.value as JsonValue;
    return this.listeners.add(listener);
  }

  close(): void {
    for (const u of this.unsubscribe) u();
  }

  private compute(): JsonValue {
    let value = this.doc.value as JsonValue;
    for (const patch of this.pending.values()) {
      const outcome = patchDocument(value, patch);
      if (outcome.ok) value = outcome.value;
    }
    return value;
  }

  private changed(): void {
    this.cached = null;
    if (this.listeners.size === 0) return;
    const value = this.value;
    if (value === this.shown) return;
    this.shown = value as JsonValue;
    this.listeners.emit(value);
  }
}
