import { StorageQuotaError } from '@webraft/core';

/**
 * What the origin knows of a tab cluster, in localStorage: written by the tab that bootstrapped it,
 * once its one-node cluster had elected itself and committed. Later tabs join this cluster id and no
 * other (the core's `clusterId` option), so a tab never mixes the logs of two clusters.
 */
export interface ClusterRecord {
  /** The cluster's identity (`RaftInterface.clusterId` of the founder). */
  clusterId: string;
  /** The node id that bootstrapped it alone: the cluster's first configuration was `[founder]`. */
  founder: string;
}

/** The record, or null when there is none (or it cannot be parsed: then it is written afresh). */
export function readClusterRecord(records: Storage, key: string): ClusterRecord | null {
  const raw = records.getItem(key);
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<ClusterRecord> | null;
    if (typeof parsed?.clusterId !== 'string' || typeof parsed.founder !== 'string') return null;
    return { clusterId: parsed.clusterId, founder: parsed.founder };
  } catch {
    return null;
  }
}

export function writeClusterRecord(records: Storage, key: string, record: ClusterRecord): void {
  try {
    records.setItem(key, JSON.stringify(record));
  } catch (cause) {
    throw new StorageQuotaError(`tab cluster: cannot write the record ${key} to localStorage`, undefined, {
      cause,
    });
  }
}
