import type { StateMachine } from '../../runtime/options.js';

/** A command the simulator proposes: a unique id, so loss and duplication can be detected. */
export interface SimCommand {
  id: string;
}

/**
 * The simulator's state machine: the ordered list of command ids applied. Small, deterministic, and it
 * tells exactly what was applied and in which order, through snapshots too.
 */
export class RecordingStateMachine implements StateMachine {
  applied: string[] = [];

  constructor(private readonly onApply: (id: string, index: number, term: number) => void) {}

  apply(command: unknown, meta: { index: number; term: number }): unknown {
    const id = (command as SimCommand).id;
    this.applied.push(id);
    this.onApply(id, meta.index, meta.term);
    return this.applied.length;
  }

  snapshot(): unknown {
    return { applied: [...this.applied] };
  }

  restore(snapshot: unknown): void {
    this.applied = [...(snapshot as { applied: string[] }).applied];
  }
}
