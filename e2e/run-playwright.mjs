// `pnpm test:e2e -- some.spec.ts` hands the script a literal `--` before the filter, and Playwright
// takes nothing after a `--` as a filter, so it would run every spec. Drop it and pass the rest on.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const run = spawnSync('playwright', ['test', '--config', '../playwright.config.ts', ...args], {
  stdio: 'inherit',
});
if (run.error) throw run.error;
process.exit(run.status ?? 1);
