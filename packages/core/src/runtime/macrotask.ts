/**
 * Runs a callback on a later turn of the event loop: a macrotask, never synchronously and never as
 * promise work, and without the 1 ms clamp (or the throttling in background tabs) of `setTimeout(0)`.
 * The one scheduler of the package: the system clock's `defer` and `MemoryNetwork` use it.
 *
 * - Node: `setImmediate`, which runs after pending I/O callbacks of the turn.
 * - Browsers: a message posted on a `MessageChannel`, which is a task of its own. One channel serves
 *   every callback, in the order they were scheduled.
 * - Elsewhere: `setTimeout(callback, 0)`.
 */
declare const setImmediate: ((callback: () => void) => unknown) | undefined;
declare const MessageChannel:
  | (new () => { port1: { onmessage: (() => void) | null }; port2: { postMessage(value: unknown): void } })
  | undefined;
declare function setTimeout(callback: () => void, ms: number): unknown;

function pickScheduler(): (callback: () => void) => void {
  if (typeof setImmediate === 'function') return (callback) => void setImmediate(callback);
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    const pending: (() => void)[] = [];
    let head = 0;
    channel.port1.onmessage = () => {
      const run = pending[head];
      pending[head++] = undefined as unknown as () => void;
      if (head === pending.length) {
        pending.length = 0;
        head = 0;
      }
      run?.();
    };
    return (callback) => {
      pending.push(callback);
      channel.port2.postMessage(null);
    };
  }
  return (callback) => void setTimeout(callback, 0);
}

/** Schedules `callback` as its own macrotask (one task per call). */
export const macrotask: (callback: () => void) => void = pickScheduler();
