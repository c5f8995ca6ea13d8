import type { StateMachine } from '@webraft/core';

/** Appends every command to a list: two nodes agree iff their lists are equal. Shared by the test pages. */
export class ListMachine implements StateMachine {
  items: unknown[] = [];
  apply(command: unknown): unknown {
    this.items.push(command);
    return this.items.length;
  }
  snapshot(): unknown {
    return this.items;
  }
  restore(snapshot: unknown): void {
    this.items = [...(snapshot as unknown[])];
  }
}
