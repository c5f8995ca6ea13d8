import { createSocket, type Socket } from 'node:dgram';
import { TransportError } from '@webraft/core';
import { ReplicatorError } from './errors.js';
import { MAX_ID_CHARS } from './limits.js';
import { parseAddress } from './tcp-transport.js';

/** The group announcements go to by default (organization-local scope, RFC 2365). */
export const DEFAULT_MULTICAST_GROUP = '239.255.70.82';
/** The longest announcement read; a longer datagram is dropped unread. */
export const MAX_HELLO_BYTES = 1024;
const HELLO = 'replicator.hello';

export interface MulticastDiscoveryOptions {
  /** The UDP port every replica of the group listens and announces on. */
  readonly port: number;
  /** An IPv4 multicast group (224.0.0.0/4; default `DEFAULT_MULTICAST_GROUP`). */
  readonly group?: string;
  /** The local interface address to join the group and send on (`127.0.0.1` in tests). */
  readonly interface?: string;
  /** Only replicas announcing the same name are reported (default `default`). */
  readonly cluster?: string;
  /** How often this replica announces itself (default 1000 ms). */
  readonly intervalMs?: number;
  /** Multicast TTL: how many routers an announcement crosses (default 1: this network only). */
  readonly ttl?: number;
}

const isMulticastGroup = (group: unknown): group is string => {
  if (typeof group !== 'string') return false;
  const parts = group.split('.').map(Number);
  return (
    parts.length === 4 &&
    parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) &&
    parts[0]! >= 224 &&
    parts[0]! <= 239
  );
};

/** The `host:port` an announcement of `cluster` names, or undefined when it is not one. */
export function decodeHello(text: string, cluster: string): string | undefined {
  let hello: unknown;
  try {
    hello = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { t, c, a } = (hello ?? {}) as { t?: unknown; c?: unknown; a?: unknown };
  if (t !== HELLO || c !== cluster || typeof a !== 'string' || a.length > MAX_ID_CHARS) return undefined;
  return parseAddress(a) === undefined ? undefined : a;
}

/**
 * Finds TCP replicas by UDP multicast, as the seed does when its `peers` are empty: each replica
 * announces its `host:port` to a group at an interval, and reports the others it hears (`onPeer`).
 * A newcomer is answered at once, so two replicas find each other within one datagram's trip rather
 * than one interval. Announcements are not authenticated (like the TCP frames): use it on a trusted
 * network. Give it to `TcpTransport` (`discovery` option), which starts and closes it.
 */
export class MulticastDiscovery {
  readonly port: number;
  readonly group: string;
  readonly cluster: string;
  readonly #options: MulticastDiscoveryOptions;
  readonly #peers = new Set<string>();
  readonly #listeners = new Set<(address: string) => void>();
  #socket: Socket | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #address = '';
  #report: (error: TransportError) => void = () => {};

  constructor(options: MulticastDiscoveryOptions) {
    if (!Number.isInteger(options?.port) || options.port <= 0 || options.port > 65_535)
      throw new ReplicatorError('INVALID_ARGUMENT', '`port` must be an integer in [1, 65535]');
    const group = options.group ?? DEFAULT_MULTICAST_GROUP;
    if (!isMulticastGroup(group))
      throw new ReplicatorError(
        'INVALID_ARGUMENT',
        '`group` must be an IPv4 multicast address (224.0.0.0/4)',
      );
    const cluster = options.cluster ?? 'default';
    if (typeof cluster !== 'string' || cluster.length === 0 || cluster.length > MAX_ID_CHARS)
      throw new ReplicatorError('INVALID_ARGUMENT', '`cluster` must be a string of 1 to 256 characters');
    const intervalMs = options.intervalMs ?? 1000;
    if (!Number.isFinite(intervalMs) || intervalMs <= 0)
      throw new ReplicatorError('INVALID_ARGUMENT', '`intervalMs` must be a positive number');
    this.port = options.port;
    this.group = group;
    this.cluster = cluster;
    this.#options = options;
  }

  /** The replicas heard so far. */
  get peers(): string[] {
    return [...this.#peers];
  }

  /** Joins the group and starts announcing `address`; `report` hears about datagrams dropped. */
  async start(address: string, report?: (error: TransportError) => void): Promise<void> {
    if (this.#socket !== undefined) throw new ReplicatorError('INVALID_ARGUMENT', 'already started');
    this.#address = address;
    if (report) this.#report = report;
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    this.#socket = socket;
    socket.on('message', (message) => this.#heard(message));
    socket.on('error', (error) =>
      this.#report(new TransportError('multicast discovery failed', error, 'CONNECTION')),
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.port, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const iface = this.#options.interface;
    socket.addMembership(this.group, iface);
    if (iface !== undefined) socket.setMulticastInterface(iface);
    socket.setMulticastLoopback(true); // replicas on one host hear each other
    socket.setMulticastTTL(this.#options.ttl ?? 1);
    this.#announce();
    this.#timer = setInterval(() => this.#announce(), this.#options.intervalMs ?? 1000);
  }

  onPeer(listener: (address: string) => void): () => void {
    this.#listeners.add(listener);
    // A listener added later hears about the peers already known, on a microtask.
    const known = this.peers;
    queueMicrotask(() => {
      if (this.#listeners.has(listener)) for (const peer of known) listener(peer);
    });
    return () => this.#listeners.delete(listener);
  }

  #announce(): void {
    const hello = JSON.stringify({ t: HELLO, c: this.cluster, a: this.#address });
    this.#socket?.send(hello, this.port, this.group);
  }

  #heard(message: Buffer): void {
    if (message.length > MAX_HELLO_BYTES) {
      this.#report(
        new TransportError(
          `an announcement larger than ${MAX_HELLO_BYTES} bytes was dropped`,
          undefined,
          'TOO_LARGE',
        ),
      );
      return;
    }
    const text = message.toString('utf8');
    const peer = decodeHello(text, this.cluster);
    if (peer === undefined) {
      // Another cluster's announcement is not an error: the group may be shared.
      if (!this.#otherCluster(text))
        this.#report(
          new TransportError('an announcement that is not a hello was dropped', undefined, 'UNDECODABLE'),
        );
      return;
    }
    if (peer === this.#address || this.#peers.has(peer)) return;
    this.#peers.add(peer);
    this.#announce();
    for (const listener of this.#listeners) listener(peer);
  }

  #otherCluster(text: string): boolean {
    try {
      const { t, c } = JSON.parse(text) as { t?: unknown; c?: unknown };
      return t === HELLO && typeof c === 'string' && c !== this.cluster;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#listeners.clear();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
