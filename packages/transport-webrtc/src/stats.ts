/** Counters of a `WebRtcTransport` since it was made. */
export interface WebRtcStats {
  /** Connection attempts this node started as the initiator. */
  attempts: number;
  /** Data channels that opened, closed after being open, and attempts that never opened. */
  opened: number;
  lost: number;
  failed: number;
  /** Frames sent and received on data channels. */
  framesSent: number;
  framesReceived: number;
  /** Messages reassembled and handed to the node (from data channels). */
  delivered: number;
  /** Messages sent through the relay fallback. */
  relayed: number;
  /** Incoming frames dropped: not decodable, or part of a message above maxMessageChars. */
  undecodable: number;
  tooLarge: number;
  /** Messages dropped because a link's outbox was full. */
  overflowed: number;
  /** Signals dropped: malformed, from a node that is not a room member, or offers from the higher id. */
  badSignals: number;
  unknownPeerSignals: number;
  unexpectedOffers: number;
  /** Answers and candidates that arrived when no connection was waiting for them. */
  strandedSignals: number;
  /** Errors counted but not reported (past the report budget). */
  unreported: number;
}

export const emptyStats = (): WebRtcStats => ({
  attempts: 0,
  opened: 0,
  lost: 0,
  failed: 0,
  framesSent: 0,
  framesReceived: 0,
  delivered: 0,
  relayed: 0,
  undecodable: 0,
  tooLarge: 0,
  overflowed: 0,
  badSignals: 0,
  unknownPeerSignals: 0,
  unexpectedOffers: 0,
  strandedSignals: 0,
  unreported: 0,
});
