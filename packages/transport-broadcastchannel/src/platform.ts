/**
 * The few platform APIs this package uses, typed here so that it builds without the DOM library and runs
 * the same in browsers, workers and Node 20 (which has BroadcastChannel).
 */

export interface BroadcastChannelLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onmessageerror: ((event: unknown) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

export type BroadcastChannelConstructor = new (name: string) => BroadcastChannelLike;

interface Globals {
  BroadcastChannel?: BroadcastChannelConstructor;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(callback: () => void, ms: number): unknown;
  queueMicrotask(callback: () => void): void;
  addEventListener?(type: string, listener: (event: { persisted?: boolean }) => void): void;
  removeEventListener?(type: string, listener: (event: { persisted?: boolean }) => void): void;
}

export const platform = globalThis as unknown as Globals;

/** Rethrows `error` on a later task: loud (an uncaught error), without breaking the caller's loop. */
export function rethrowLater(error: unknown): void {
  platform.setTimeout(() => {
    throw error;
  }, 0);
}
