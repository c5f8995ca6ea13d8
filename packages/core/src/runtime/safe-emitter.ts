import { createNanoEvents, type Emitter } from 'nanoevents';
import { ApplicationError } from '../errors.js';
import type { RaftEvents } from './events.js';

declare function setTimeout(callback: () => void, ms: number): unknown;

/**
 * The node's event emitter: nanoevents, except that a listener that throws cannot unwind the runtime
 * in the middle of its work (a batch of entries half applied, the election timer not re-armed). The
 * exception is reported as an `error` event (`ApplicationError`) and the other listeners still run. One
 * thrown by an `error` listener itself is rethrown on a later turn, as an uncaught error: it is not
 * lost, and it cannot loop.
 */
export function createSafeEmitter(): Emitter<RaftEvents> {
  const emitter = createNanoEvents<RaftEvents>();
  emitter.emit = function emit<K extends keyof RaftEvents>(
    this: Emitter<RaftEvents>,
    event: K,
    ...args: Parameters<RaftEvents[K]>
  ): void {
    const listeners = this.events[event] as ((...a: unknown[]) => void)[] | undefined;
    if (listeners === undefined) return;
    // nanoevents replaces the array on unsubscribe, so this one stays as it was for the whole loop.
    for (let i = 0, n = listeners.length; i < n; i++) {
      try {
        listeners[i]!(...args);
      } catch (error) {
        if (event === 'error') {
          setTimeout(() => {
            throw error;
          }, 0);
        } else {
          this.emit('error', new ApplicationError(`'${event}' listener`, error));
        }
      }
    }
  };
  return emitter;
}
