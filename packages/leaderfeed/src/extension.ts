import type { Callback } from './types.js';

/**
 * Calls a backend extension point written either way: returning a promise (ours), or taking a
 * seed-style `done(error, result)` callback as its last argument (the seed's backends).
 */
export function callExtension<T>(
  fn: (...args: never[]) => unknown,
  self: object,
  args: unknown[],
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done: Callback<T> = (error, result) => (error ? reject(error) : resolve(result as T));
    try {
      const returned = (fn as (...a: unknown[]) => unknown).apply(self, [...args, done]);
      if (returned && typeof (returned as PromiseLike<T>).then === 'function') {
        (returned as PromiseLike<T>).then(resolve, reject);
      } else if (fn.length <= args.length) {
        // Neither a promise nor a callback taken: a synchronous result.
        resolve(returned as T);
      }
    } catch (error) {
      reject(error);
    }
  });
}

/** Settles `cb` (when given) from `promise`, and returns the promise for the caller to await. */
export function withCallback<T>(promise: Promise<T>, cb?: Callback<T>): Promise<T> {
  if (cb)
    promise.then(
      (result) => cb(null, result),
      (error: unknown) => cb(error),
    );
  return promise;
}
