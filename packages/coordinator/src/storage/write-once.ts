import { RaftError } from '@webraft/core';

/**
 * AllData events are write-once: a key holds one event forever. A put of a stored key with the same
 * event is a retry and succeeds; with another event it fails with this error and changes nothing.
 */
export class KeyExistsError extends RaftError {
  override name = 'KeyExistsError';
  readonly key: string;
  constructor(key: string) {
    super(
      'KEY_EXISTS',
      `key ${key.slice(0, 80)} already holds another event (AllData events are write-once)`,
    );
    this.key = key;
  }
}

/** The event as stored: its JSON text (a value JSON cannot encode is refused before anything is written). */
export function encodeEvent(event: unknown): string {
  const json = JSON.stringify(event);
  if (json === undefined) throw new TypeError('the event is not JSON-serializable');
  return json;
}

/** The event's JSON, or undefined after `callback(error)` when JSON cannot encode it (nothing is written). */
export function encodeOrFail(event: unknown, callback: (error?: unknown) => void): string | undefined {
  try {
    return encodeEvent(event);
  } catch (error) {
    callback(error);
    return undefined;
  }
}
