/**
 * Runs the seeded chaos scenario for many seeds: `pnpm soak --seeds 5000 [--from 1] [--nodes 5]
 * [--duration 3000] [--membership] [--slow-disk]`, or replays one: `pnpm soak --seed 123 [...]`.
 * `--membership` adds membership churn and leadership transfers (Raft core II); `--slow-disk` makes
 * every storage write take 5 to 40 virtual ms. `--api` runs the API fuzzer instead (random public
 * API calls with valid, edge and invalid arguments; `--calls N` per seed). Exits non-zero on the
 * first failure and prints its seed and how to replay it.
 */
import { parseArgs } from 'node:util';
import { runApiFuzz, runChaos } from '../src/testing/index.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string', default: '1000' },
    from: { type: 'string', default: '1' },
    nodes: { type: 'string', default: '5' },
    duration: { type: 'string', default: '3000' },
    membership: { type: 'boolean', default: false },
    'slow-disk': { type: 'boolean', default: false },
    api: { type: 'boolean', default: false },
    calls: { type: 'string', default: '40' },
  },
});

/** Writes of 5 to 40 virtual ms: truncations race with writes in flight. */
const SLOW_DISK: [number, number] = [5, 40];

const from = values.seed !== undefined ? Number(values.seed) : Number(values.from);
const count = values.seed !== undefined ? 1 : Number(values.seeds);
const started = performance.now();
let steps = 0;
let acknowledged = 0;
for (let seed = from; seed < from + count; seed++) {
  try {
    const report = values.api
      ? await runApiFuzz({
          seed,
          calls: Number(values.calls),
          replay: `pnpm soak --api --seed {seed} --calls ${values.calls}`,
        })
      : await runChaos({
          seed,
          nodes: Number(values.nodes),
          durationMs: Number(values.duration),
          membership: values.membership,
          ...(values['slow-disk'] ? { storageLatency: SLOW_DISK } : {}),
          replay: `pnpm soak --seed {seed} --nodes ${values.nodes} --duration ${values.duration}${values.membership ? ' --membership' : ''}${values['slow-disk'] ? ' --slow-disk' : ''}`,
        });
    steps += report.steps;
    acknowledged += report.acknowledged;
    if (values.seed !== undefined) console.log(report);
  } catch (error) {
    console.error(String(error));
    process.exit(1);
  }
  if ((seed - from + 1) % 100 === 0) console.log(`${seed - from + 1}/${count} seeds ok`);
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `${count} seeds passed: ${steps} steps, ${acknowledged} acknowledged proposals, ${seconds.toFixed(1)} s`,
);
