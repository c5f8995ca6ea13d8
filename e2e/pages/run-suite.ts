import type { TestHarness } from '@webraft/core/testing';

/** One test of a conformance suite run in a page, and how it ended. */
export interface Outcome {
  name: string;
  ok: boolean;
  error?: string;
}

/**
 * Runs a framework-free suite of @webraft/core/testing (`runStorageTests`, `runTransportTests`) in this
 * page: `register` declares the tests through the harness given, then they run one after another.
 */
export async function runSuite(register: (harness: TestHarness) => void): Promise<Outcome[]> {
  const tests: { name: string; fn: () => Promise<void> }[] = [];
  const prefix: string[] = [];
  register({
    describe(name, fn) {
      prefix.push(name);
      fn();
      prefix.pop();
    },
    it(name, fn) {
      tests.push({ name: [...prefix, name].join(' > '), fn });
    },
  });
  const outcomes: Outcome[] = [];
  for (const test of tests) {
    try {
      await test.fn();
      outcomes.push({ name: test.name, ok: true });
    } catch (error) {
      outcomes.push({ name: test.name, ok: false, error: String((error as Error)?.stack ?? error) });
    }
  }
  return outcomes;
}
