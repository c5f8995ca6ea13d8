import { runStorageTests } from '@webraft/core/testing';
import { describe, it } from 'vitest';
import { LocalStorageStorage } from '../src/index.js';
import { MemoryWebStorage } from './memory-web-storage.js';

// Every store of the suite shares one in-memory Storage, as every node of an origin shares its
// localStorage; the same suite runs in Chromium over the real one (e2e/storage-localstorage.spec.ts).
const shared = new MemoryWebStorage();
runStorageTests(
  (name) => new LocalStorageStorage(name, { storage: shared }),
  { describe, it },
  {
    title: 'LocalStorageStorage conformance (in-memory Storage)',
    destroyStore: (name) => LocalStorageStorage.destroy(name, { storage: shared }),
  },
);

const namespaced = new MemoryWebStorage();
runStorageTests(
  (name) => new LocalStorageStorage(name, { storage: namespaced, namespace: 'app/1' }),
  { describe, it },
  {
    title: 'LocalStorageStorage conformance (in-memory Storage, a namespace)',
    destroyStore: (name) => LocalStorageStorage.destroy(name, { storage: namespaced, namespace: 'app/1' }),
  },
);

it('destroying every store of the suite leaves no key behind', () => {
  for (const web of [shared, namespaced]) {
    const left = [...web.dump().keys()].filter((key) => key.startsWith('webraft/'));
    if (left.length > 0) throw new Error(`keys left: ${left.slice(0, 5).join(', ')}`);
  }
});
