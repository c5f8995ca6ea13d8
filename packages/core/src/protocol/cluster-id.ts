import { addressProblem } from './address.js';
import type { NodeId } from './types.js';

/**
 * A cluster's identity. Raft assumes every member started from the same initial configuration; nodes
 * bootstrapped with different `peers` lists (or two tabs that each bootstrapped alone) would otherwise
 * accept each other's appends and apply different commands at the same index. So every message carries
 * its cluster id and a node drops messages of any other cluster (as etcd does with its cluster id).
 *
 * The id is fixed when a cluster is bootstrapped: by default derived from the sorted initial voters
 * and an optional `clusterToken` (so every initial member computes the same id without talking), or
 * given outright as `clusterId`. A node started without `peers` (waiting to be added) adopts the id
 * of the first leader that contacts it, durably, before it answers. The id lives in the hard state.
 *
 * A valid id follows the address rule (protocol/address.ts): 1 to 256 characters, no control
 * character, no white space at either end.
 */

/** Why `value` is not a valid cluster id, or null when it is one. */
export function clusterIdProblem(value: unknown, maxLength: number): string | null {
  return addressProblem(value, maxLength);
}

/**
 * The id of a cluster bootstrapped with these initial voters: the same on every initial member, in
 * any order of `peers`. A `token` tells apart two clusters bootstrapped with the same addresses.
 */
export function clusterIdFor(peers: readonly NodeId[], token = ''): string {
  const key = `${[...new Set(peers)].sort().join('\n')}\n\n${token}`;
  return `c-${fnv1a32(key, 0x811c9dc5)}${fnv1a32(key, 0x050c5d1f)}`;
}

/** FNV-1a over UTF-16 code units, as 8 hex digits: not a security measure, a fingerprint of the set. */
function fnv1a32(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * Which cluster a starting node belongs to. `stored` is what its hard state holds; `configured` what
 * its options say (null for a joiner without `clusterId`). Returns the id to use, null while a joiner
 * waits for its first leader, or why the two disagree: storage of one cluster opened with the options
 * of another is a mistake the node must not paper over.
 */
export function resolveClusterId(
  stored: string | undefined,
  configured: string | null,
): { id: string | null } | { problem: string } {
  if (stored !== undefined && configured !== null && stored !== configured) {
    return {
      problem: `this node's storage belongs to cluster ${stored}, but its options give cluster ${configured} (other peers, clusterToken or clusterId)`,
    };
  }
  return { id: stored ?? configured };
}
