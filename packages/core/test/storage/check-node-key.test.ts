import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { checkStorageNames } from '../../src/storage/check-node-key.js';
import { MemoryNetwork } from '../../src/transport/memory.js';

describe('the names storage and transports accept follow the address rule', () => {
  it('checkStorageNames refuses node ids that no node would accept, and empty namespaces', () => {
    for (const id of ['', ' a', 'a\n', 7, null, 'x'.repeat(300)])
      expect(() => checkStorageNames('Store', id, undefined), String(id)).toThrow(ConfigurationError);
    expect(() => checkStorageNames('Store', 'a', '')).toThrow(/Store: namespace/);
    expect(() => checkStorageNames('Store', 'tab-1/ü %2F', 'board')).not.toThrow();
  });

  it('MemoryNetwork.transport() applies the same rule to its address', () => {
    const network = new MemoryNetwork();
    for (const address of ['', ' a', 'a\t', 42])
      expect(() => network.transport(address as string)).toThrow(/address rule/);
    expect(network.transport('n1').address).toBe('n1');
  });
});
