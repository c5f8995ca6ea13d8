import type { TransportErrorCode } from '@webraft/core';
import { CloseCode, FINAL_CLOSE_CODES } from './protocol.js';

/**
 * The connection lifecycle as an explicit state machine (after Liveblocks' connection.ts): a pure
 * transition function from (state, event) to (state, effects). `WebSocketTransport` performs the
 * effects with injected I/O (the socket, timers, randomness), so every path is testable without a
 * network.
 *
 *   idle --start--> connecting --welcome--> open
 *   connecting --socketClosed--> backingOff --retry | wake--> connecting
 *   open --socketClosed--> backingOff (or connecting at once after a graceful shutdown)
 *   any --socketClosed with a final code (auth)--> closed;  any --stop--> closed
 */
export type ConnectionState =
  | { name: 'idle' }
  /** A socket is opening, or open and waiting for the server's welcome. `attempt`: failures so far. */
  | { name: 'connecting'; attempt: number }
  | { name: 'open' }
  /** Waiting before the next attempt. */
  | { name: 'backingOff'; attempt: number }
  /** For good: `stop()`, or the server refused us in a way retrying cannot change. */
  | { name: 'closed'; why: 'stopped' | 'refused' };

export type ConnectionEvent =
  | { type: 'start' }
  | { type: 'welcome' }
  /** The socket closed, failed, timed out or went silent. `code`: its close code (1006 when unknown). */
  | { type: 'socketClosed'; code: number; reason: string }
  /** The backoff timer fired. */
  | { type: 'retry' }
  /** The browser came back online, or a hidden tab became visible: try now rather than later. */
  | { type: 'wake' }
  | { type: 'stop' };

export type ConnectionEffect =
  | { type: 'openSocket' }
  | { type: 'closeSocket' }
  | { type: 'scheduleRetry'; attempt: number }
  | { type: 'cancelRetry' }
  /** Send what was queued while disconnected. */
  | { type: 'flush' }
  | { type: 'report'; code: TransportErrorCode; message: string };

export interface Transition {
  state: ConnectionState;
  effects: ConnectionEffect[];
}

const stay = (state: ConnectionState): Transition => ({ state, effects: [] });

function refusal(code: number, reason: string): ConnectionEffect {
  if (code === CloseCode.REPLACED)
    return {
      type: 'report',
      code: 'CONNECTION',
      message: 'a newer connection for this node id took over; this transport stopped',
    };
  return {
    type: 'report',
    code: 'AUTH',
    message: `the relay refused the connection (close code ${code}${reason ? `: ${reason}` : ''}); not retrying`,
  };
}

export function transition(state: ConnectionState, event: ConnectionEvent): Transition {
  if (state.name === 'closed') return stay(state);
  if (event.type === 'stop')
    return {
      state: { name: 'closed', why: 'stopped' },
      effects: [{ type: 'cancelRetry' }, { type: 'closeSocket' }],
    };
  switch (state.name) {
    case 'idle':
      return event.type === 'start'
        ? { state: { name: 'connecting', attempt: 0 }, effects: [{ type: 'openSocket' }] }
        : stay(state);
    case 'connecting':
      if (event.type === 'welcome') return { state: { name: 'open' }, effects: [{ type: 'flush' }] };
      if (event.type === 'socketClosed') {
        if (FINAL_CLOSE_CODES.has(event.code))
          return { state: { name: 'closed', why: 'refused' }, effects: [refusal(event.code, event.reason)] };
        const effects: ConnectionEffect[] = [{ type: 'scheduleRetry', attempt: state.attempt }];
        // Report the first failure of an outage, not every retry.
        if (state.attempt === 0)
          effects.push({
            type: 'report',
            code: 'CONNECTION',
            message: `could not connect to the relay (close code ${event.code}); retrying with backoff`,
          });
        return { state: { name: 'backingOff', attempt: state.attempt + 1 }, effects };
      }
      return stay(state);
    case 'open':
      if (event.type !== 'socketClosed') return stay(state);
      if (FINAL_CLOSE_CODES.has(event.code))
        return { state: { name: 'closed', why: 'refused' }, effects: [refusal(event.code, event.reason)] };
      if (event.code === CloseCode.SHUTDOWN)
        // The relay is going away on purpose: reconnect now (to the next URL, when there are several).
        return { state: { name: 'connecting', attempt: 0 }, effects: [{ type: 'openSocket' }] };
      return {
        state: { name: 'backingOff', attempt: 1 },
        effects: [
          { type: 'scheduleRetry', attempt: 0 },
          {
            type: 'report',
            code: 'CONNECTION',
            message: `the connection to the relay closed (close code ${event.code}); reconnecting`,
          },
        ],
      };
    case 'backingOff':
      if (event.type === 'retry')
        return { state: { name: 'connecting', attempt: state.attempt }, effects: [{ type: 'openSocket' }] };
      if (event.type === 'wake')
        return {
          state: { name: 'connecting', attempt: state.attempt },
          effects: [{ type: 'cancelRetry' }, { type: 'openSocket' }],
        };
      return stay(state);
  }
}
