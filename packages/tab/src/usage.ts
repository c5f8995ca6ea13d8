import type { UsageMarker } from '@webraft/core';
import { readRecord, updateRecord } from './records.js';

/**
 * The usage marker of one id, over its localStorage record: what a storage adapter is given (`usage`
 * option of `IndexedDbStorage`). A missing record counts as used: every id gets its record when it is
 * minted, so a missing one means localStorage was cleared, and the node's storage may have been too.
 */
export class RecordUsageMarker implements UsageMarker {
  readonly #records: Storage;
  readonly #key: string;

  constructor(records: Storage, key: string) {
    this.#records = records;
    this.#key = key;
  }

  wasUsed(): boolean {
    return readRecord(this.#records, this.#key)?.used ?? true;
  }

  markUsed(): void {
    if (readRecord(this.#records, this.#key)?.used === true) return;
    updateRecord(this.#records, this.#key, { used: true });
  }
}
