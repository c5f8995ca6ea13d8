import 'fake-indexeddb/auto';
import { runStorageTests } from '@webraft/core/testing';
import { describe, it } from 'vitest';
import { IndexedDbStorage } from '../src/index.js';

// fake-indexeddb in Node (how apps unit-test with this adapter); the same suite runs in Chromium
// (e2e/storage-indexeddb.spec.ts), and again here with tiny snapshot chunks and every durability.
runStorageTests(
  (name) => new IndexedDbStorage(name),
  { describe, it },
  {
    title: 'IndexedDbStorage conformance (fake-indexeddb)',
    destroyStore: (name) => IndexedDbStorage.destroy(name),
  },
);

runStorageTests(
  (name) => new IndexedDbStorage(name, { snapshotChunkChars: 7, durability: 'relaxed' }),
  { describe, it },
  {
    title: 'IndexedDbStorage conformance (fake-indexeddb, 7-character snapshot chunks, relaxed)',
    destroyStore: (name) => IndexedDbStorage.destroy(name),
  },
);
