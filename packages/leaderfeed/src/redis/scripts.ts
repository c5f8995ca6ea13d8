/**
 * The leader record is one string key, `<token>:<leaderId>` (the token is digits, so the first `:`
 * splits it), set with `PX`: Redis forgets a leader by its own clock. Each script runs atomically.
 * KEYS[1] = the record, KEYS[2] = the token counter.
 */

/**
 * ARGV: requester, id, leaseMs, channel, floor. Grants `id` a new token (INCR) unless another holds the
 * key. `floor` is the largest token the requester has seen: a Redis restarted without its data starts
 * the counter again, and the floor keeps the new token above every token the feeds know of.
 */
export const ELECT_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local sep = string.find(cur, ':', 1, true)
  if string.sub(cur, sep + 1) ~= ARGV[1] then return cur end
end
local floor = tonumber(ARGV[5])
if tonumber(redis.call('GET', KEYS[2]) or '0') < floor then redis.call('SET', KEYS[2], floor) end
local rec = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[2]
redis.call('SET', KEYS[1], rec, 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], rec)
return rec
`;

/** ARGV: record, leaseMs, channel. Renews the lease only while the key still holds this record. */
export const HEARTBEAT_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
`;

/** ARGV: record, channel. Deletes the key if it still holds this record, and says so (empty message). */
export const RESIGN_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], '')
return 1
`;
