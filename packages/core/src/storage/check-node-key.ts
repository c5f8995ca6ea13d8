import { ConfigurationError } from '../errors.js';
import { addressProblem } from '../protocol/address.js';
import { DEFAULT_MESSAGE_LIMITS } from '../protocol/validate.js';
import { describe } from '../protocol/validate-json.js';

/**
 * What a storage adapter checks of the names its data lives under: `nodeId` is a node address, so it
 * follows the address rule (protocol/address.ts) that every node applies to ids; `namespace`, when
 * given, is a non-empty string. `owner` names the adapter in the error (`IndexedDbStorage`).
 */
export function checkStorageNames(owner: string, nodeId: unknown, namespace: unknown): void {
  const problem = addressProblem(nodeId, DEFAULT_MESSAGE_LIMITS.maxIdLength);
  if (problem !== null)
    throw new ConfigurationError(`${owner}: nodeId ${describe(nodeId)} ${problem} (see the address rule)`);
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace.length === 0))
    throw new ConfigurationError(`${owner}: namespace must be a non-empty string when given`);
}
