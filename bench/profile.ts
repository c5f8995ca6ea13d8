/**
 * Summarizes a .cpuprofile (from `pnpm bench --profile` or `node --cpu-prof`): top functions by self
 * and total time, and self time per file. `pnpm exec tsx bench/profile.ts FILE.cpuprofile [TOP]`
 * (`node --cpu-prof` also writes one profile per loader-hooks thread: take the main thread's, `.0.`).
 */
import { readFileSync } from 'node:fs';
import { type CpuProfile, formatProfileSummary, summarizeProfile } from './lib/profile.js';

const [file, topArg = '30'] = process.argv.slice(2);
const top = Number(topArg);
if (!file || !Number.isInteger(top) || top <= 0) {
  console.error('usage: tsx bench/profile.ts FILE.cpuprofile [TOP]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
console.log(formatProfileSummary(summarizeProfile(profile, top), top));
