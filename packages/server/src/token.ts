import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Access tokens: `base64url(claims) "." base64url(HMAC-SHA256(secret, base64url(claims)))`, where the
 * claims are `{ r: room, n: node id, exp: expiry in Unix seconds }`. A token admits one node id to one
 * room until it expires; whoever holds the secret (your application's backend) issues them.
 */
export interface TokenClaims {
  room: string;
  node: string;
  /** Expiry, Unix time in seconds. */
  exp: number;
}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function sign(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** Makes a token for `room` and `node` valid for `ttlSeconds` from `nowMs`. */
export function createToken(
  secret: string,
  claims: { room: string; node: string; ttlSeconds: number },
  nowMs = Date.now(),
): string {
  if (secret.length === 0) throw new TypeError('the secret must not be empty');
  if (!(claims.ttlSeconds > 0)) throw new TypeError('ttlSeconds must be positive');
  const body = b64(
    JSON.stringify({ r: claims.room, n: claims.node, exp: Math.floor(nowMs / 1000 + claims.ttlSeconds) }),
  );
  return `${body}.${b64(sign(secret, body))}`;
}

/** Why a token was refused. `scope`: a valid token for another room or node id. */
export type TokenRefusal = 'missing' | 'malformed' | 'signature' | 'expired' | 'scope';

/** Checks `token` against the secret, the room and node id asked for, and the clock. */
export function verifyToken(
  secret: string,
  token: string | null | undefined,
  want: { room: string; node: string },
  nowMs = Date.now(),
): { ok: true; claims: TokenClaims } | { ok: false; reason: TokenRefusal } {
  if (!token) return { ok: false, reason: 'missing' };
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 2048) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = sign(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const c = claims as { r?: unknown; n?: unknown; exp?: unknown };
  if (typeof c.r !== 'string' || typeof c.n !== 'string' || typeof c.exp !== 'number')
    return { ok: false, reason: 'malformed' };
  if (c.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  if (c.r !== want.room || c.n !== want.node) return { ok: false, reason: 'scope' };
  return { ok: true, claims: { room: c.r, node: c.n, exp: c.exp } };
}

/** Parses a duration like `90`, `90s`, `15m`, `1h`, `7d` into seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new TypeError(`not a duration: ${text} (use e.g. 90s, 15m, 1h, 7d)`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
