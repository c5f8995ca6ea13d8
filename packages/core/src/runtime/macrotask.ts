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

interface Port {
  onmessage: (() => void) | null;
  postMessage(value: unknown): void;
}

/** The globals a scheduler is picked from (`globalThis`; tests pass their own). */
export interface SchedulerGlobals {
  setImmediate?: (callback: () => void) => unknown;
  MessageChannel?: new () => { port1: Port; port2: Port };
  setTimeout?: (callback: () => void, ms: number) => unknown;
}

/** Schedules each callback as its own macrotask, with the best of what `globals` offers. */
export function macrotaskScheduler(
  globals: SchedulerGlobals = globalThis as SchedulerGlobals,
): (callback: () => void) => void {
  const { MessageChannel } = globals;
  // Looked up on every call, not captured: fake timers and instrumentation installed later still see them.
  if (typeof globals.setImmediate === 'function')
    return (callback) => void (globals.setImmediate as (callback: () => void) => unknown)(callback);
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    // Callbacks from `head` on wait for their message; the array is reset whenever it drains.
    const pending: ((() => void) | undefined)[] = [];
    let head = 0;
    channel.port1.onmessage = () => {
      const run = pending[head];
      pending[head++] = undefined;
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
  if (typeof globals.setTimeout === 'function')
    return (callback) =>
      void (globals.setTimeout as (callback: () => void, ms: number) => unknown)(callback, 0);
  throw new TypeError('no way to schedule a task: neither setImmediate, MessageChannel nor setTimeout');
}

/** Schedules `callback` as its own macrotask (one task per call). */
export const macrotask: (callback: () => void) => void = macrotaskScheduler();
