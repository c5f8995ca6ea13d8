import { InvalidArgumentError } from './errors.js';
import type { Location } from './options.js';

/** A peer as the seed has it: opaque to the coordinator except its `id`; the peer client knows the rest. */
export interface Peer {
  id: string;
  [field: string]: unknown;
}

/** The seed's `addPeer` options. `zone` wins: when it is given, `region` is ignored. */
export interface PeerLocation {
  zone?: string;
  region?: string;
}

/** A known peer and where it is, after the seed's rule (zone wins over region) was applied. */
export interface PeerEntry {
  readonly id: string;
  readonly peer: Peer;
  readonly zone?: string;
  readonly region?: string;
}

/**
 * The peer map the coordinator places against. `entries()` lists the peers in the directory's order
 * (the order placement draws from, so two coordinators with the same directory and the same random
 * seed choose the same peers); it returns the same array until the map changes.
 */
export interface PeerDirectory {
  entries(): readonly PeerEntry[];
  add(entry: PeerEntry): Promise<void>;
  drop(id: string): Promise<void>;
}

function optionalLabel(value: unknown, argument: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new InvalidArgumentError(argument, `must be a non-empty string, not ${String(value)}`);
  return value;
}

/** Checks `addPeer`'s arguments and applies the seed's rule: a zone makes the region ignored. */
export function peerEntry(peer: unknown, options: unknown): PeerEntry {
  if (typeof peer !== 'object' || peer === null) throw new InvalidArgumentError('peer', 'must be an object');
  const id = (peer as { id?: unknown }).id;
  if (typeof id !== 'string' || id === '')
    throw new InvalidArgumentError('peer.id', `must be a non-empty string, not ${String(id)}`);
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new InvalidArgumentError('options', 'must be an object');
  const o = (options ?? {}) as PeerLocation;
  const zone = optionalLabel(o.zone, 'options.zone');
  const region = optionalLabel(o.region, 'options.region');
  if (zone !== undefined) return Object.freeze({ id, peer: peer as Peer, zone });
  if (region !== undefined) return Object.freeze({ id, peer: peer as Peer, region });
  return Object.freeze({ id, peer: peer as Peer });
}

/** Where a peer is, seen from a coordinator at `location`. */
export type PeerClass = 'sameZone' | 'otherZone' | 'otherRegion';

/**
 * The seed's frame generalised to a coordinator with a location: a peer with a zone is in this
 * coordinator's zone when the names match and in another zone of the local region otherwise; a peer
 * with a region (and so no zone) is in another region unless it names this coordinator's region; a
 * peer with neither is in the same zone. With no location (the seed's frame) every zone is another
 * zone and every region another region.
 */
export function classify(entry: PeerEntry, location: Readonly<Location>): PeerClass {
  if (entry.zone !== undefined) return entry.zone === location.zone ? 'sameZone' : 'otherZone';
  if (entry.region !== undefined) return entry.region === location.region ? 'sameZone' : 'otherRegion';
  return 'sameZone';
}

/** The seed's peer map: this coordinator's own, changed only by its own `addPeer`/`dropPeer`. */
export class LocalPeerDirectory implements PeerDirectory {
  readonly #peers = new Map<string, PeerEntry>();
  #list: readonly PeerEntry[] | null = null;

  entries(): readonly PeerEntry[] {
    this.#list ??= Object.freeze([...this.#peers.values()]);
    return this.#list;
  }

  /** Adds the peer, or moves a known id to its new location (keeping its place in the order). */
  add(entry: PeerEntry): Promise<void> {
    this.#peers.set(entry.id, entry);
    this.#list = null;
    return Promise.resolve();
  }

  drop(id: string): Promise<void> {
    if (this.#peers.delete(id)) this.#list = null;
    return Promise.resolve();
  }
}
