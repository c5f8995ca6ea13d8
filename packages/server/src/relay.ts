import {
  type ClientFrame,
  CloseCode,
  decodeClientFrame,
  encodeFrame,
} from '@webraft/transport-websocket/protocol';
import type { ClientConnection } from './client-connection.js';
import type { Metrics } from './metrics.js';

/**
 * What a relay needs from the other relays of a room (Redis scale-out). Without one, a relay is alone:
 * every member of a room is one of its own connections.
 */
export interface RemoteRooms {
  /** Lists `conn` as a member of its room; resolves with the room's members on other relays. */
  join(conn: ClientConnection): Promise<string[]>;
  leave(conn: ClientConnection): void;
  /** Forwards an encoded frame to `to` if another relay holds it; false when no relay does. */
  forward(room: string, to: string, text: string): boolean;
  /** Members of `room` on other relays. */
  members(room: string): Iterable<string>;
}

/**
 * Rooms of local connections and the routing of frames between members: relays by node id, stamps the
 * sender from the connection, tells members who joined and who left.
 */
export class Relay {
  readonly #rooms = new Map<string, Map<string, ClientConnection>>();
  remote: RemoteRooms | null = null;

  constructor(
    private readonly metrics: Metrics,
    private readonly maxFrameBytes: number,
  ) {}

  get roomCount(): number {
    return this.#rooms.size;
  }

  connections(): IterableIterator<ClientConnection> {
    return (function* (rooms) {
      for (const room of rooms.values()) yield* room.values();
    })(this.#rooms);
  }

  local(room: string, id: string): ClientConnection | undefined {
    return this.#rooms.get(room)?.get(id);
  }

  /** Adds `conn` to its room (replacing an older connection of the same id) and welcomes it. */
  async add(conn: ClientConnection): Promise<void> {
    let room = this.#rooms.get(conn.room);
    if (!room) {
      room = new Map();
      this.#rooms.set(conn.room, room);
      this.metrics.rooms = this.#rooms.size;
    }
    const previous = room.get(conn.id);
    room.set(conn.id, conn);
    if (previous) previous.disconnect('replaced', CloseCode.REPLACED);
    const remotePeers = this.remote ? await this.remote.join(conn) : [];
    if (conn.closed) return;
    const peers = new Set([...room.keys(), ...remotePeers]);
    peers.delete(conn.id);
    conn.sendFrame({
      k: 'welcome',
      room: conn.room,
      id: conn.id,
      peers: [...peers],
      maxFrameBytes: this.maxFrameBytes,
    });
    conn.welcomed = true;
    if (!previous) this.announce(conn.room, { k: 'joined', id: conn.id }, conn.id);
  }

  /**
   * Removes `conn` (if it is still the room's connection for its id) and tells the room, unless a newer
   * connection of the same node (on another relay) replaced it: the node did not leave.
   */
  remove(conn: ClientConnection): void {
    const room = this.#rooms.get(conn.room);
    if (room?.get(conn.id) !== conn) return;
    room.delete(conn.id);
    if (room.size === 0) {
      this.#rooms.delete(conn.room);
      this.metrics.rooms = this.#rooms.size;
    }
    this.remote?.leave(conn);
    if (!conn.replaced) this.announce(conn.room, { k: 'left', id: conn.id }, conn.id);
  }

  /** Sends a membership frame to every local member of `room` except `except`. */
  announce(room: string, frame: { k: 'joined' | 'left'; id: string }, except?: string): void {
    const members = this.#rooms.get(room);
    if (!members) return;
    const text = encodeFrame(frame);
    for (const [id, member] of members) if (id !== except && member.welcomed) member.deliver(text);
  }

  /** A text frame from `conn`: rate-limited, validated, stamped and relayed, or dropped and counted. */
  receive(conn: ClientConnection, text: string, bytes: number): void {
    conn.alive = true;
    if (!conn.messages.take(1)) {
      this.metrics.drop('rate_messages');
      return;
    }
    if (!conn.bytes.take(bytes)) {
      this.metrics.drop('rate_bytes');
      return;
    }
    const decoded = decodeClientFrame(text);
    if (!decoded.ok) {
      this.metrics.drop(
        decoded.reason === 'not JSON' || decoded.reason === 'not a JSON object' ? 'undecodable' : 'invalid',
      );
      return;
    }
    const frame: ClientFrame = decoded.frame;
    if (frame.k === 'ping') {
      conn.sendFrame({ k: 'pong' });
      return;
    }
    if (frame.from !== undefined && frame.from !== conn.id) {
      this.metrics.drop('spoofed');
      return;
    }
    const out =
      frame.k === 'send'
        ? encodeFrame({ k: 'msg', from: conn.id, d: frame.d })
        : encodeFrame({ k: 'signal', from: conn.id, d: frame.d });
    this.route(conn.room, frame.to, out, frame.k === 'signal');
  }

  /** Delivers an encoded frame to `to` in `room`, here or through another relay. */
  route(room: string, to: string, text: string, signal: boolean): void {
    const target = this.#rooms.get(room)?.get(to);
    if (target) {
      this.deliverLocal(target, text, signal);
      return;
    }
    if (!this.remote?.forward(room, to, text)) this.metrics.drop('unknown_peer');
  }

  deliverLocal(target: ClientConnection, text: string, signal: boolean): void {
    if (!target.deliver(text)) return;
    if (signal) this.metrics.signalsRelayed++;
    else this.metrics.messagesRelayed++;
    this.metrics.bytesRelayed += Buffer.byteLength(text);
  }
}
