import { randomBytes } from 'node:crypto';
import { CloseCode } from '@webraft/transport-websocket/protocol';
import { Redis } from 'ioredis';
import type { ClientConnection } from './client-connection.js';
import { type Logger, logEvent } from './log.js';
import type { Metrics } from './metrics.js';
import type { Relay, RemoteRooms } from './relay.js';

/**
 * Rooms shared by several relays through Redis (pub/sub and keys with expiry; Redis is the broker,
 * we write none).
 *
 * - Membership: `webraft:member:<room>:<node>` holds the id of the relay that has the node's connection,
 *   with a time to live of `presenceTtlMs` that the relay renews every third of it; the set
 *   `webraft:room:<room>` lists the room's node ids. A relay that crashes stops renewing, so its
 *   clients' keys expire and the other relays, which re-read the membership of their rooms on every
 *   renewal, report them as left.
 * - Events: relays with members in a room subscribe to `webraft:events:<room>` and publish
 *   `join <relay> <node>` / `leave <relay> <node>` there, so every relay knows who is where.
 * - Delivery: each relay subscribes to `webraft:relay:<relay id>`; a frame for a node held by another
 *   relay is published there as `<room>\n<node>\n<frame>` (ids never contain a newline).
 */
export class RedisRooms implements RemoteRooms {
  readonly relayId: string;
  readonly #pub: Redis;
  readonly #sub: Redis;
  /** Members on other relays of the rooms we have members in: room -> node -> relay id. */
  readonly #remote = new Map<string, Map<string, string>>();
  /** Rooms whose events channel we subscribe to, with our member count. */
  readonly #localCount = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #closed = false;
  /** Leaves still being written to Redis: closing waits for them. */
  readonly #pending = new Set<Promise<unknown>>();

  constructor(
    url: string,
    private readonly relay: Relay,
    private readonly metrics: Metrics,
    private readonly ttlMs: number,
    private readonly log: Logger,
    relayId?: string,
  ) {
    this.relayId = relayId ?? randomBytes(6).toString('hex');
    this.#pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.#sub = this.#pub.duplicate();
    for (const [name, client] of [
      ['pub', this.#pub],
      ['sub', this.#sub],
    ] as const) {
      client.on('error', (error: Error) =>
        logEvent(log, 'redis_error', { client: name, error: error.message }),
      );
      client.on('ready', () => logEvent(log, 'redis_ready', { client: name }));
    }
    this.#sub.on('message', (channel: string, message: string) => this.#onMessage(channel, message));
  }

  get ready(): boolean {
    return this.#pub.status === 'ready' && this.#sub.status === 'ready';
  }

  async start(): Promise<void> {
    await Promise.all([this.#pub.connect(), this.#sub.connect()]);
    await this.#sub.subscribe(this.#relayChannel(this.relayId));
    this.#timer = setInterval(() => void this.#renew(), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.#timer.unref();
  }

  /** Removes our members from Redis (telling the other relays) and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled([...this.#pending]);
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()]);
  }

  async join(conn: ClientConnection): Promise<string[]> {
    const { room, id } = conn;
    const count = this.#localCount.get(room) ?? 0;
    this.#localCount.set(room, count + 1);
    if (count === 0) await this.#sub.subscribe(this.#eventsChannel(room));
    await this.#pub
      .multi()
      .set(this.#memberKey(room, id), this.relayId, 'PX', this.ttlMs)
      .sadd(this.#roomKey(room), id)
      .pexpire(this.#roomKey(room), this.ttlMs * 4)
      .publish(this.#eventsChannel(room), `join ${this.relayId} ${id}`)
      .exec();
    await this.#reconcile(room);
    return [...(this.#remote.get(room)?.keys() ?? [])];
  }

  leave(conn: ClientConnection): void {
    const { room, id } = conn;
    const count = (this.#localCount.get(room) ?? 1) - 1;
    if (count <= 0) {
      this.#localCount.delete(room);
      this.#remote.delete(room);
      if (!this.#closed) void this.#sub.unsubscribe(this.#eventsChannel(room)).catch(() => {});
    } else this.#localCount.set(room, count);
    if (this.#closed) return;
    // Delete the member key only if it is still ours (the node may have moved to another relay).
    const done = this.#pub
      .eval(LEAVE_SCRIPT, 2, this.#memberKey(room, id), this.#roomKey(room), this.relayId, id)
      .then(() => this.#pub.publish(this.#eventsChannel(room), `leave ${this.relayId} ${id}`))
      .catch((error: Error) => logEvent(this.log, 'redis_error', { op: 'leave', error: error.message }))
      .finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  forward(room: string, to: string, text: string): boolean {
    const relayId = this.#remote.get(room)?.get(to);
    if (relayId === undefined) return false;
    this.metrics.redisOut++;
    void this.#pub.publish(this.#relayChannel(relayId), `${room}\n${to}\n${text}`).catch(() => {});
    return true;
  }

  members(room: string): Iterable<string> {
    return this.#remote.get(room)?.keys() ?? [];
  }

  #onMessage(channel: string, message: string): void {
    if (channel === this.#relayChannel(this.relayId)) {
      const a = message.indexOf('\n');
      const b = message.indexOf('\n', a + 1);
      if (a < 0 || b < 0) return;
      const room = message.slice(0, a);
      const to = message.slice(a + 1, b);
      const text = message.slice(b + 1);
      this.metrics.redisIn++;
      const target = this.relay.local(room, to);
      if (target) this.relay.deliverLocal(target, text, text.startsWith('{"k":"signal"'));
      else this.metrics.drop('unknown_peer');
      return;
    }
    const room = channel.slice(EVENTS_PREFIX.length);
    const [kind, relayId, id] = message.split(' ');
    if (!relayId || !id || relayId === this.relayId) return;
    if (kind === 'join') this.#remoteJoined(room, id, relayId);
    else if (kind === 'leave') this.#remoteLeft(room, id, relayId);
  }

  #remoteJoined(room: string, id: string, relayId: string): void {
    if (!this.#localCount.has(room)) return;
    // The node connected to another relay while we still hold an older connection of it: that one goes.
    const local = this.relay.local(room, id);
    if (local) local.disconnect('replaced', CloseCode.REPLACED);
    let members = this.#remote.get(room);
    if (!members) {
      members = new Map();
      this.#remote.set(room, members);
    }
    const known = members.has(id) || local !== undefined;
    members.set(id, relayId);
    if (!known) this.relay.announce(room, { k: 'joined', id });
  }

  #remoteLeft(room: string, id: string, relayId: string): void {
    const members = this.#remote.get(room);
    if (members?.get(id) !== relayId) return;
    members.delete(id);
    this.relay.announce(room, { k: 'left', id });
  }

  /** Renews our members' keys, then re-reads the membership of each of our rooms. */
  async #renew(): Promise<void> {
    if (this.#closed || !this.ready) return;
    try {
      const multi = this.#pub.multi();
      for (const conn of this.relay.connections()) {
        multi.set(this.#memberKey(conn.room, conn.id), this.relayId, 'PX', this.ttlMs);
        multi.pexpire(this.#roomKey(conn.room), this.ttlMs * 4);
      }
      await multi.exec();
      for (const room of [...this.#localCount.keys()]) await this.#reconcile(room);
    } catch (error) {
      logEvent(this.log, 'redis_error', { op: 'renew', error: (error as Error).message });
    }
  }

  /** Reads the room's members from Redis: reports who appeared and who expired (a crashed relay's). */
  async #reconcile(room: string): Promise<void> {
    const ids = await this.#pub.smembers(this.#roomKey(room));
    const owners = ids.length > 0 ? await this.#pub.mget(ids.map((id) => this.#memberKey(room, id))) : [];
    if (!this.#localCount.has(room)) return;
    let members = this.#remote.get(room);
    if (!members) {
      members = new Map();
      this.#remote.set(room, members);
    }
    const present = new Map<string, string>();
    const expired: string[] = [];
    ids.forEach((id, i) => {
      const owner = owners[i];
      if (owner == null) expired.push(id);
      else if (owner !== this.relayId) present.set(id, owner);
    });
    if (expired.length > 0) void this.#pub.srem(this.#roomKey(room), ...expired).catch(() => {});
    for (const [id, owner] of present) {
      const known = members.has(id) || this.relay.local(room, id) !== undefined;
      members.set(id, owner);
      if (!known) this.relay.announce(room, { k: 'joined', id });
    }
    for (const id of [...members.keys()]) {
      if (present.has(id)) continue;
      members.delete(id);
      if (!this.relay.local(room, id)) {
        logEvent(this.log, 'member_expired', { room, node: id });
        this.relay.announce(room, { k: 'left', id });
      }
    }
  }

  #memberKey(room: string, id: string): string {
    return `webraft:member:${room}:${id}`;
  }
  #roomKey(room: string): string {
    return `webraft:room:${room}`;
  }
  #eventsChannel(room: string): string {
    return `${EVENTS_PREFIX}${room}`;
  }
  #relayChannel(relayId: string): string {
    return `webraft:relay:${relayId}`;
  }
}

const EVENTS_PREFIX = 'webraft:events:';

/** Deletes the member key and the set entry only if the key still names this relay. */
const LEAVE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1`;
