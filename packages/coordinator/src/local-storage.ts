import { CoordinatorOptionsError } from './errors.js';

/**
 * The seed's AllData storage: `put(key, event, callback)` calls back `callback()` once the event is
 * durable, `callback(error)` if it is not. A `put` that returns a promise instead is accepted too.
 */
export interface AllDataStorage {
  put(key: string, event: unknown, callback: (error?: unknown) => void): unknown;
}

export function checkStorage(storage: unknown): AllDataStorage {
  if (
    typeof storage !== 'object' ||
    storage === null ||
    typeof (storage as AllDataStorage).put !== 'function'
  )
    throw new CoordinatorOptionsError(
      'localStorage',
      'must be an AllData storage with put(key, event, callback)',
    );
  return storage as AllDataStorage;
}

/** Writes through `storage`, calling `done` exactly as its callback or its promise says (whichever comes first). */
export function writeTo(
  storage: AllDataStorage,
  key: string,
  event: unknown,
  done: (error?: unknown) => void,
): void {
  let result: unknown;
  try {
    result = storage.put(key, event, done);
  } catch (error) {
    done(error);
    return;
  }
  if (
    typeof result === 'object' &&
    result !== null &&
    typeof (result as PromiseLike<unknown>).then === 'function'
  )
    (result as PromiseLike<unknown>).then(
      () => done(),
      (error: unknown) => done(error ?? new Error('the storage rejected without a reason')),
    );
}
