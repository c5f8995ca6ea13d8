import { RaftError } from '@webraft/core';

/**
 * Why a tab identity call failed:
 * - `HELD`: the id's Web Lock is held, so a live tab runs that node (`adoptIdentity`).
 * - `UNKNOWN_ID`: this origin has no record of the id for this cluster (`adoptIdentity`).
 * - `TAKEN_OVER`: while this page sat in the back/forward cache, another tab took the id (or its lock
 *   could not be had back): the node in this page is stale and must not run on.
 */
export type TabIdentityErrorCode = 'HELD' | 'UNKNOWN_ID' | 'TAKEN_OVER';

export class TabIdentityError extends RaftError {
  override name = 'TabIdentityError';
  override readonly code: TabIdentityErrorCode;
  /** The node id concerned. */
  readonly nodeId: string;
  constructor(code: TabIdentityErrorCode, nodeId: string, message: string) {
    super(code, message);
    this.code = code;
    this.nodeId = nodeId;
  }
}
