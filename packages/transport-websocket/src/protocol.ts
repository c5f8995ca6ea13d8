/**
 * The wire protocol between `WebSocketTransport` and `@webraft/server`: one JSON object per text frame,
 * a discriminated union on `k`. Both ends validate every frame they receive with the decoders below;
 * a frame that fails is dropped (and counted by the server, reported by the client), never handed on.
 *
 * The connection names its room and node id in the URL (`?room=R&node=N&token=T`). The server stamps the
 * sender of everything it relays from that authenticated identity: a client never says who it is in a
 * frame, and a frame that names a `from` other than its own identity is dropped as spoofed.
 *
 * WebRTC signaling (used by the WebRTC transport to set up data channels) travels as `signal` frames
 * between members of one room; the relay checks their shape and size and forwards them like messages.
 */

/** Frames a client sends. */
export type ClientFrame =
  /** Relay `d` (a Raft message, any JSON value) to node `to` of the room. */
  | { k: 'send'; to: string; d: unknown; from?: string }
  /** Forward a WebRTC signal to node `to` of the room. */
  | { k: 'signal'; to: string; d: Signal; from?: string }
  /** Application-level heartbeat: the server answers `pong` (browsers cannot send WebSocket pings). */
  | { k: 'ping' };

/** Frames the server sends. */
export type ServerFrame =
  /** First frame after a connection is accepted: who this connection is and who else is in the room. */
  | { k: 'welcome'; room: string; id: string; peers: string[]; maxFrameBytes: number }
  /** A message relayed from `from` (stamped by the server). */
  | { k: 'msg'; from: string; d: unknown }
  /** A WebRTC signal relayed from `from`. */
  | { k: 'signal'; from: string; d: Signal }
  /** A node joined the room. */
  | { k: 'joined'; id: string }
  /** A node left the room (closed, disconnected, or its relay went silent). */
  | { k: 'left'; id: string }
  | { k: 'pong' }
  /** The server is shutting down: reconnect (to another relay when there is one). */
  | { k: 'shutdown'; reason: string };

/**
 * WebRTC signaling kinds, the shapes of RTCSessionDescriptionInit and RTCIceCandidateInit:
 * - `offer` / `answer`: a session description (`sdp`), from the side that starts and the one that answers;
 * - `candidate`: one ICE candidate (`candidate` empty string: end of candidates);
 * - `renegotiate`: ask the other side to send a new offer (simple-peer's `{ renegotiate: true }`).
 */
export type Signal =
  | { type: 'offer'; sdp: string }
  | { type: 'answer'; sdp: string }
  | {
      type: 'candidate';
      candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null };
    }
  | { type: 'renegotiate' };

/** WebSocket close codes the server uses (4000-4999 are for applications). */
export const CloseCode = {
  /** Graceful shutdown: reconnect, to another relay if there is one (RFC 6455 1012 "service restart"). */
  SHUTDOWN: 1012,
  /** A frame was larger than the server's maximum (RFC 6455 1009 "message too big"). */
  TOO_LARGE: 1009,
  /** The URL lacks a room or a node id, or they are malformed. Retrying cannot help. */
  BAD_REQUEST: 4400,
  /** No token, or a token that is malformed, wrongly signed or expired. Retrying cannot help. */
  UNAUTHORIZED: 4401,
  /** A valid token for another room or node id. Retrying cannot help. */
  FORBIDDEN: 4403,
  /** No pong to a ping in time: the connection was presumed dead. */
  DEAD: 4408,
  /** A newer connection for the same room and node id took over this one. */
  REPLACED: 4409,
  /** The client did not read what was sent to it: its send buffer stayed full (see the server README). */
  SLOW_CONSUMER: 4429,
} as const;

/** Close codes after which a client must not reconnect: the same request would be refused again. */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.BAD_REQUEST,
  CloseCode.UNAUTHORIZED,
  CloseCode.FORBIDDEN,
  CloseCode.REPLACED,
]);

/** The largest frame both ends accept by default, in bytes of UTF-8 (the server's `--max-frame`). */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

/** Room names and node ids: 1 to 128 characters of letters, digits and `._:@-`. */
export const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

export const isId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);

/** Largest SDP accepted in a signal (characters). Real ones are a few KiB. */
export const MAX_SDP_CHARS = 64 * 1024;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `value` has only the keys in `allowed` (frames with unknown fields are refused). */
function onlyKeys(value: Json, allowed: readonly string[]): boolean {
  for (const key in value) if (!allowed.includes(key)) return false;
  return true;
}

/** Validates a WebRTC signal; returns why it is not one, or null. */
export function signalProblem(value: unknown): string | null {
  if (!isObject(value)) return 'a signal must be an object';
  switch (value.type) {
    case 'offer':
    case 'answer':
      if (!onlyKeys(value, ['type', 'sdp'])) return 'unknown field in a session description';
      if (typeof value.sdp !== 'string' || value.sdp.length > MAX_SDP_CHARS)
        return 'sdp must be a string of at most 64 KiB';
      return null;
    case 'candidate': {
      if (!onlyKeys(value, ['type', 'candidate'])) return 'unknown field in a candidate signal';
      const c = value.candidate;
      if (!isObject(c) || !onlyKeys(c, ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment']))
        return 'candidate must be an RTCIceCandidateInit';
      if (typeof c.candidate !== 'string' || c.candidate.length > 4096) return 'bad candidate string';
      if (c.sdpMid != null && (typeof c.sdpMid !== 'string' || c.sdpMid.length > 256)) return 'bad sdpMid';
      if (c.sdpMLineIndex != null && !(Number.isInteger(c.sdpMLineIndex) && (c.sdpMLineIndex as number) >= 0))
        return 'bad sdpMLineIndex';
      if (
        c.usernameFragment != null &&
        (typeof c.usernameFragment !== 'string' || c.usernameFragment.length > 256)
      )
        return 'bad usernameFragment';
      return null;
    }
    case 'renegotiate':
      return onlyKeys(value, ['type']) ? null : 'unknown field in a renegotiate signal';
    default:
      return 'unknown signal type';
  }
}

/** The outcome of decoding a frame: the frame, or why it was refused. */
export type Decoded<T> = { ok: true; frame: T } | { ok: false; reason: string };

const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

function parse(text: string): Json | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  return isObject(value) ? value : 'not a JSON object';
}

/** Decodes and validates a frame a client sent (the server calls this on everything it receives). */
export function decodeClientFrame(text: string): Decoded<ClientFrame> {
  const f = parse(text);
  if (typeof f === 'string') return refuse(f);
  switch (f.k) {
    case 'send':
      if (!onlyKeys(f, ['k', 'to', 'd', 'from'])) return refuse('unknown field in send');
      if (!isId(f.to)) return refuse('send needs a node id `to`');
      if (!('d' in f)) return refuse('send needs a payload `d`');
      if (f.from !== undefined && typeof f.from !== 'string') return refuse('from must be a string');
      return { ok: true, frame: f as ClientFrame };
    case 'signal': {
      if (!onlyKeys(f, ['k', 'to', 'd', 'from'])) return refuse('unknown field in signal');
      if (!isId(f.to)) return refuse('signal needs a node id `to`');
      if (f.from !== undefined && typeof f.from !== 'string') return refuse('from must be a string');
      const problem = signalProblem(f.d);
      return problem ? refuse(problem) : { ok: true, frame: f as ClientFrame };
    }
    case 'ping':
      return onlyKeys(f, ['k']) ? { ok: true, frame: { k: 'ping' } } : refuse('unknown field in ping');
    default:
      return refuse('unknown frame kind');
  }
}

/** Decodes and validates a frame the server sent (the client calls this on everything it receives). */
export function decodeServerFrame(text: string): Decoded<ServerFrame> {
  const f = parse(text);
  if (typeof f === 'string') return refuse(f);
  switch (f.k) {
    case 'welcome':
      if (!isId(f.room) || !isId(f.id)) return refuse('welcome needs a room and an id');
      if (!Array.isArray(f.peers) || !f.peers.every(isId)) return refuse('welcome peers must be node ids');
      if (!Number.isSafeInteger(f.maxFrameBytes) || (f.maxFrameBytes as number) <= 0)
        return refuse('welcome needs maxFrameBytes');
      return { ok: true, frame: f as ServerFrame };
    case 'msg':
      if (!isId(f.from) || !('d' in f)) return refuse('msg needs a sender and a payload');
      return { ok: true, frame: f as ServerFrame };
    case 'signal': {
      if (!isId(f.from)) return refuse('signal needs a sender');
      const problem = signalProblem(f.d);
      return problem ? refuse(problem) : { ok: true, frame: f as ServerFrame };
    }
    case 'joined':
    case 'left':
      return isId(f.id) ? { ok: true, frame: f as ServerFrame } : refuse(`${f.k} needs a node id`);
    case 'pong':
      return { ok: true, frame: { k: 'pong' } };
    case 'shutdown':
      return typeof f.reason === 'string'
        ? { ok: true, frame: f as ServerFrame }
        : refuse('shutdown needs a reason');
    default:
      return refuse('unknown frame kind');
  }
}

/** Encodes a frame. Throws TypeError for a payload JSON cannot encode (a cycle, a bigint). */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}
