import { ConfigurationError } from '@webraft/core';

/** Prefix of every sessionStorage key, localStorage key and Web Lock name this package uses. */
export const KEY_PREFIX = 'webraft-tab';

/**
 * Where one cluster's identities live. Every part is URI-encoded, so no cluster, namespace or id can
 * reach another's keys (a `/` in any of them is encoded).
 */
export class IdentityNames {
  /** The sessionStorage key holding this tab's id for the cluster. */
  readonly sessionKey: string;
  /** What every localStorage record key (and lock name) of the cluster starts with. */
  readonly recordPrefix: string;
  /** The localStorage key of the cluster's record (its id and founder: `startTabCluster`). */
  readonly clusterKey: string;
  /** The Web Lock that serializes forming the cluster (bootstrap or join) across the origin's tabs. */
  readonly formationLock: string;
  /**
   * What the name of every member lock starts with: each node of a tab cluster holds
   * `<prefix><clusterId>/<nodeId>` while it runs (see `member-locks.ts`).
   */
  readonly memberLockPrefix: string;
  /** What the name of every visible lock starts with: held for a node while its tab is visible. */
  readonly visibleLockPrefix: string;
  /**
   * What the name of every liveness lock starts with: each node holds `<prefix><nodeId>` from before
   * it starts until it stopped, and its followers wait on it (see `leader-watch.ts`).
   */
  readonly livenessLockPrefix: string;

  constructor(cluster: string, namespace?: string) {
    if (typeof cluster !== 'string' || cluster.length === 0) {
      throw new ConfigurationError(
        `tab identity: cluster must be a non-empty string, got ${String(cluster)}`,
      );
    }
    if (namespace !== undefined && (typeof namespace !== 'string' || namespace.length === 0)) {
      throw new ConfigurationError('tab identity: namespace must be a non-empty string when given');
    }
    const scope =
      namespace === undefined
        ? encodeURIComponent(cluster)
        : `${encodeURIComponent(namespace)}/${encodeURIComponent(cluster)}`;
    this.sessionKey = `${KEY_PREFIX}/${scope}`;
    this.recordPrefix = `${KEY_PREFIX}/${scope}/id/`;
    this.clusterKey = `${KEY_PREFIX}/${scope}/cluster`;
    this.formationLock = `${KEY_PREFIX}/${scope}/formation`;
    this.memberLockPrefix = `${KEY_PREFIX}/${scope}/member/`;
    this.visibleLockPrefix = `${KEY_PREFIX}/${scope}/visible/`;
    this.livenessLockPrefix = `${KEY_PREFIX}/${scope}/alive/`;
  }

  /** The localStorage key of an id's record; also the name of the Web Lock that claims the id. */
  recordKey(id: string): string {
    return this.recordPrefix + encodeURIComponent(id);
  }

  /** The member lock of node `id` of cluster `clusterId`. */
  memberLock(clusterId: string, id: string): string {
    return `${this.memberLockPrefix}${encodeURIComponent(clusterId)}/${encodeURIComponent(id)}`;
  }

  /** The liveness lock of node `id`. */
  livenessLock(id: string): string {
    return this.livenessLockPrefix + encodeURIComponent(id);
  }

  /** The cluster id a member lock names, or null when the name is not one of this cluster's member locks. */
  clusterOfMemberLock(name: string): string | null {
    if (!name.startsWith(this.memberLockPrefix)) return null;
    const [encoded] = name.slice(this.memberLockPrefix.length).split('/');
    try {
      return encoded ? decodeURIComponent(encoded) : null;
    } catch {
      return null;
    }
  }

  /** The id a record key names, or null when the key is not one of this cluster's records. */
  idOf(recordKey: string): string | null {
    if (!recordKey.startsWith(this.recordPrefix)) return null;
    const encoded = recordKey.slice(this.recordPrefix.length);
    if (encoded.length === 0 || encoded.includes('/')) return null;
    try {
      return decodeURIComponent(encoded);
    } catch {
      return null;
    }
  }
}

/** A fresh node id: `tab-` and a random UUID (122 random bits, so tabs and devices never collide). */
export function mintId(): string {
  return `tab-${crypto.randomUUID()}`;
}
