import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageTests } from '@webraft/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../src/index.js';

// Each store of the suite is a directory under one temporary root, with real files and real fsyncs.
const root = mkdtempSync(join(tmpdir(), 'webraft-file-conformance-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

runStorageTests(
  (name) => new FileStorage(join(root, name)),
  { describe, it },
  { title: 'FileStorage conformance', destroyStore: (name) => FileStorage.destroy(join(root, name)) },
);

// The same suite with a rewrite after nearly every batch: the base record and the switch by rename.
runStorageTests(
  (name) => new FileStorage(join(root, name), { rewriteAfterBytes: 64 }),
  { describe, it },
  {
    title: 'FileStorage conformance, rewriting the file after 64 bytes',
    prefix: 'rewrite',
    destroyStore: (name) => FileStorage.destroy(join(root, name)),
  },
);

it('destroying every store of the suites leaves nothing behind', () => {
  expect(readdirSync(root)).toEqual([]);
});
