import type { CommitLevel, Coordinator, PutReport } from '@webraft/coordinator';
import { el } from './dom.js';
import { putItem } from './put-view.js';

interface Shown {
  item: HTMLLIElement;
  report: PutReport | null;
  error?: Error;
}

/** This tab's puts, newest first, each redrawn as its replicas end and its level is reached. */
export class PutList {
  readonly #root: HTMLElement;
  readonly #shown = new Map<string, Shown & { level: CommitLevel }>();

  constructor(root: HTMLElement, coordinator: Coordinator) {
    this.#root = root;
    coordinator.on('placed', (report) => this.#update(report.key, { report }));
    coordinator.on('replica', (report) => this.#update(report.key, { report }));
    coordinator.on('settled', (report) => this.#update(report.key, { report }));
  }

  /** Shows the put of `key` at once, then starts it (so its `placed` event finds it) and follows its promise. */
  follow(key: string, level: CommitLevel, start: () => Promise<unknown>): void {
    const item = el('li', {
      class: 'put',
      'data-key': key,
      'data-level': level,
      'data-status': 'pending',
      text: `${level} pending`,
    });
    this.#shown.set(key, { item, report: null, level });
    this.#root.prepend(item);
    start().then(
      () => this.#update(key, {}),
      (error: Error) => this.#update(key, { error }),
    );
  }

  #update(key: string, change: { report?: PutReport; error?: Error }): void {
    const shown = this.#shown.get(key);
    if (shown === undefined) return; // another tab's put
    if (change.report) shown.report = change.report;
    if (change.error) shown.error = change.error;
    const item = shown.report
      ? putItem(shown.report, shown.error)
      : el('li', {
          class: 'put',
          'data-key': key,
          'data-level': shown.level,
          'data-status': 'failed',
          'data-settled': 'true',
          text: `failed before placement: ${shown.error?.message ?? ''}`,
        });
    shown.item.replaceWith(item);
    shown.item = item;
  }
}
