import type { StateMachine } from '@webraft/core';
import { type RegistryResult, type RegistrySnapshot, RegistryState } from './registry-state.js';

/** Told after each applied entry (and after a snapshot from the leader replaced the state). */
export type RegistryListener = (state: RegistryState) => void;

/**
 * The registry as a webraft state machine: pass it as `stateMachine` to the member's RaftInterface.
 * `state` is this member's applied state; `subscribe` tells coordinators and replicators of every
 * change as it applies (how they "see configuration changes as soon as they apply").
 */
export class ShardRegistry implements StateMachine {
  state = new RegistryState();
  readonly #listeners = new Set<RegistryListener>();

  apply(command: unknown): RegistryResult {
    const result = this.state.apply(command);
    this.#notify();
    return result;
  }

  snapshot(): RegistrySnapshot {
    return this.state.snapshot();
  }

  restore(snapshot: unknown): void {
    this.state = RegistryState.restore(snapshot as RegistrySnapshot);
    this.#notify();
  }

  /** Returns an unsubscribe function. A listener that throws does not stop the others or the apply. */
  subscribe(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(this.state);
      } catch {
        // A listener's failure is its own; the state machine must apply alike on every member.
      }
    }
  }
}

/** What coordinators and replicators read the registry through: a ShardRegistry, or a test's wrapper of one. */
export interface RegistryView {
  readonly state: RegistryState;
  subscribe(listener: RegistryListener): () => void;
}
