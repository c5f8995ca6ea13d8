import { checkStorageNames } from '@webraft/core';

/** Prefix of every database this package creates. */
export const DATABASE_PREFIX = 'webraft';

/**
 * The IndexedDB database that holds the data of `nodeId`: `webraft/<nodeId>`, or
 * `webraft/<namespace>/<nodeId>` with a namespace. Both parts are URI-encoded, so no choice of id and
 * namespace can reach another pair's database (a `/` in either is encoded), and tabs of one origin never
 * mix their logs.
 */
export function databaseName(nodeId: string, namespace?: string): string {
  checkStorageNames('IndexedDbStorage', nodeId, namespace);
  const id = encodeURIComponent(nodeId);
  return namespace === undefined
    ? `${DATABASE_PREFIX}/${id}`
    : `${DATABASE_PREFIX}/${encodeURIComponent(namespace)}/${id}`;
}
