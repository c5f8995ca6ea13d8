/**
 * CPU profiles: taken in-process around a benchmark's measured phase (so start-up, transpiling and
 * warm-up stay out of it), written as a `.cpuprofile` (open it in Chrome DevTools > Performance), and
 * summarized as top self time and total time per function and self time per file.
 * `node --cpu-prof` profiles of the whole process can be summarized too: `pnpm exec tsx bench/profile.ts FILE`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import { dirname } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Starts the sampling profiler; the returned function stops it and writes the profile to `path`. */
export async function startProfile(path: string, intervalUs = 100): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    toOriginalPositions(profile);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(profile));
  };
}

/**
 * tsx runs TypeScript transpiled to one line per file: map every call frame back to its line and
 * column in the source (through the source maps Node keeps for the modules it loaded).
 */
function toOriginalPositions(profile: CpuProfile): void {
  const maps = new Map<string, ReturnType<typeof findSourceMap>>();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    if (!f.url.startsWith('file:') || f.lineNumber < 0) continue;
    let map = maps.get(f.url);
    if (map === undefined && !maps.has(f.url)) {
      map = findSourceMap(f.url);
      maps.set(f.url, map);
    }
    const entry = map?.findEntry(f.lineNumber, f.columnNumber) as
      | { originalSource?: string; originalLine?: number; originalColumn?: number }
      | undefined;
    if (entry?.originalLine !== undefined) {
      if (entry.originalSource) f.url = entry.originalSource;
      f.lineNumber = entry.originalLine;
      f.columnNumber = entry.originalColumn ?? 0;
    }
  }
}

export interface ProfileRow {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  totalMs: number;
  samples: number;
  /** Functions by self time. */
  functions: ProfileRow[];
  /** Functions by total (inclusive) time. */
  inclusive: ProfileRow[];
  /** Self time per source file (or `(native)`, `(garbage collector)`, ...). */
  files: { file: string; selfMs: number; selfPct: number }[];
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const core = url.indexOf('/packages/core/src/');
  if (core >= 0) return `core/${url.slice(core + '/packages/core/src/'.length)}`;
  const bench = url.indexOf('/bench/');
  if (bench >= 0) return `bench/${url.slice(bench + '/bench/'.length)}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  return url.replace(/^file:\/\//, '');
}

/** Self and total time per function (by name and location) and self time per file. */
export function summarizeProfile(profile: CpuProfile, top = 30): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const keyOf = (n: ProfileNode): string => {
    const f = n.callFrame;
    return `${f.functionName || '(anonymous)'}\u0000${shortUrl(f.url)}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next sample (the last one gets the mean gap's worth: nothing).
    const dt = (deltas[i + 1] ?? 0) / 1000;
    const node = byId.get(samples[i] as number);
    if (!node || dt <= 0) continue;
    sum += dt;
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const file = node.callFrame.url === '' ? node.callFrame.functionName : shortUrl(node.callFrame.url);
    files.set(file, (files.get(file) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + dt);
    }
  }
  const pct = (ms: number) => (sum > 0 ? Math.round((ms / sum) * 1000) / 10 : 0);
  const row = (key: string): ProfileRow => {
    const [name, where] = key.split('\u0000') as [string, string];
    const s = self.get(key) ?? 0;
    const t = total.get(key) ?? 0;
    return {
      name,
      where,
      selfMs: Math.round(s * 10) / 10,
      selfPct: pct(s),
      totalMs: Math.round(t * 10) / 10,
      totalPct: pct(t),
    };
  };
  const skipInclusive = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);
  return {
    totalMs: Math.round(sum),
    samples: samples.length,
    functions: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k]) => row(k)),
    inclusive: [...total.entries()]
      .filter(([k]) => !skipInclusive.has(k.split('\u0000')[0] as string))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k]) => row(k)),
    files: [...files.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([file, ms]) => ({ file, selfMs: Math.round(ms * 10) / 10, selfPct: pct(ms) })),
  };
}

export function formatProfileSummary(s: ProfileSummary, top = 30): string {
  const lines: string[] = [];
  lines.push(`sampled ${s.totalMs} ms (${s.samples} samples)`);
  lines.push('', 'top self time:', '   self%    self ms  total%  function                          location');
  for (const r of s.functions.slice(0, top)) {
    lines.push(
      `  ${r.selfPct.toFixed(1).padStart(6)} ${r.selfMs.toFixed(1).padStart(10)}  ${r.totalPct.toFixed(1).padStart(6)}  ${r.name.padEnd(32).slice(0, 32)}  ${r.where}`,
    );
  }
  lines.push('', 'self time by file:');
  for (const f of s.files)
    lines.push(`  ${f.selfPct.toFixed(1).padStart(6)}% ${f.selfMs.toFixed(1).padStart(10)} ms  ${f.file}`);
  lines.push(
    '',
    'top total (inclusive) time:',
    '  total%   total ms   self%  function                          location',
  );
  for (const r of s.inclusive.slice(0, top)) {
    lines.push(
      `  ${r.totalPct.toFixed(1).padStart(6)} ${r.totalMs.toFixed(1).padStart(10)}  ${r.selfPct.toFixed(1).padStart(6)}  ${r.name.padEnd(32).slice(0, 32)}  ${r.where}`,
    );
  }
  return lines.join('\n');
}
