import { checkStorageNames } from '@webraft/core';

/** First part of every key this package writes. */
export const KEY_PREFIX = 'webraft';

/**
 * Where the records of one node live: every key starts with `webraft/<namespace>/<nodeId>/` (the
 * namespace part is empty without a namespace). Both parts are URI-encoded, so neither holds a `/`: no
 * choice of id and namespace yields a prefix of another pair's prefix, and nodes never mix their keys.
 */
export function nodePrefix(nodeId: string, namespace?: string): string {
  checkStorageNames('LocalStorageStorage', nodeId, namespace);
  return `${KEY_PREFIX}/${encodeURIComponent(namespace ?? '')}/${encodeURIComponent(nodeId)}/`;
}

/**
 * The keys of one node's records. The head is the only key ever overwritten; every other record is
 * immutable and carries the generation of the batch that wrote it, so a batch never overwrites a record
 * the current head names.
 */
export class RecordKeys {
  constructor(readonly prefix: string) {}

  /** The head record: names the live records and holds the hard state. */
  get head(): string {
    return `${this.prefix}head`;
  }

  /** A segment of entries starting at `start`, written by the batch of generation `gen`. */
  segment(gen: number, start: number): string {
    return `${this.prefix}log/${gen}/${start}`;
  }

  /** A snapshot's data, written by the batch of generation `gen`. */
  snapshot(gen: number): string {
    return `${this.prefix}snapshot/${gen}`;
  }

  /** The record name in errors for what belongs to no single key (`webraft/<ns>/<id>`). */
  get name(): string {
    return this.prefix.slice(0, -1);
  }

  /** Whether `key` has the shape of one of this node's records (the head, a segment or a snapshot). */
  owns(key: string): boolean {
    if (!key.startsWith(this.prefix)) return false;
    const rest = key.slice(this.prefix.length);
    return rest === 'head' || /^log\/\d+\/\d+$/.test(rest) || /^snapshot\/\d+$/.test(rest);
  }
}
