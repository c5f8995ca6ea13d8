import {
  createJsonDoc,
  type JsonDoc,
  type JsonDocRaft,
  JsonDocument,
  type JsonValue,
  PatchConflictError,
} from '@webraft/json-doc';
import type { Peer, PeerDirectory, PeerEntry } from './peer-directory.js';

/** One peer as the replicated document holds it, under `/peers/<id>`. */
interface StoredPeer {
  peer: Peer;
  zone?: string;
  region?: string;
}

/** The replicated peer map's document: every coordinator's node starts from this value. */
export type PeerMapValue = { peers: { [id: string]: JsonValue } };

/** A `JsonDocument` for the peer map, to pass as the `stateMachine` of each node's `RaftInterface`. */
export function peerMapDocument(): JsonDocument<PeerMapValue> {
  return new JsonDocument<PeerMapValue>({ peers: {} });
}

/** RFC 6901: `~` and `/` in a member name are escaped. */
const pointerTo = (id: string) => `/peers/${id.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/**
 * The peer map kept in a webraft cluster (`@webraft/json-doc`): `add` and `drop` are patches of one
 * replicated document, so every coordinator applies the same changes in the same log order and sees
 * the same peers in the same order (the document's key order, the same on every node). A change
 * resolves once committed and applied on this node.
 */
export class ClusterPeerDirectory implements PeerDirectory {
  readonly doc: JsonDoc<PeerMapValue>;
  #cache: { value: unknown; entries: readonly PeerEntry[] } | null = null;

  constructor(raft: JsonDocRaft, document: JsonDocument<PeerMapValue>) {
    this.doc = createJsonDoc(raft, document);
  }

  entries(): readonly PeerEntry[] {
    const value = this.doc.value;
    if (this.#cache?.value !== value) {
      const entries = Object.entries(value.peers as unknown as Record<string, StoredPeer>).map(
        ([id, stored]) =>
          Object.freeze({
            id,
            peer: stored.peer as Peer,
            ...(stored.zone !== undefined && { zone: stored.zone }),
            ...(stored.region !== undefined && { region: stored.region }),
          }),
      );
      this.#cache = { value, entries: Object.freeze(entries) };
    }
    return this.#cache.entries;
  }

  /** Adds or moves the peer (an `add` of an existing member replaces it in place, RFC 6902 4.1). */
  async add(entry: PeerEntry): Promise<void> {
    const value: StoredPeer = {
      peer: entry.peer,
      ...(entry.zone !== undefined && { zone: entry.zone }),
      ...(entry.region !== undefined && { region: entry.region }),
    };
    await this.doc.propose([{ op: 'add', path: pointerTo(entry.id), value: value as never }]);
  }

  /** Drops the peer; a peer already gone (dropped by another coordinator first) is no error. */
  async drop(id: string): Promise<void> {
    try {
      await this.doc.propose([{ op: 'remove', path: pointerTo(id) }]);
    } catch (error) {
      if (!(error instanceof PatchConflictError && error.reason === 'PATH_NOT_FOUND')) throw error;
    }
  }

  /** Ends the json-doc handle's subscriptions; the document itself goes on applying. */
  close(): void {
    this.doc.close();
  }
}
