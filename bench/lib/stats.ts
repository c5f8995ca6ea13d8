/** Small helpers for timing, percentiles and formatting. Times are in milliseconds unless named `Us`. */

/** Milliseconds from a monotonic clock, sub-microsecond resolution. */
export const now = (): number => performance.now();

export interface LatencySummary {
  count: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

/** Summarizes latencies given in milliseconds, reported in microseconds. */
export function summarizeMs(latenciesMs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const us = (ms: number) => round(ms * 1000, 1);
  return {
    count: sorted.length,
    p50Us: us(percentile(sorted, 0.5)),
    p90Us: us(percentile(sorted, 0.9)),
    p99Us: us(percentile(sorted, 0.99)),
    p999Us: us(percentile(sorted, 0.999)),
    maxUs: us(sorted[sorted.length - 1] ?? Number.NaN),
    meanUs: us(sorted.length > 0 ? sum / sorted.length : Number.NaN),
  };
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Repeated timings of one thing (failover trials): the median, the max, and every sample, in ms. */
export interface Trials {
  medianMs: number;
  maxMs: number;
  samples: number[];
}

export function trialsOf(samples: number[]): Trials {
  return { medianMs: median(samples), maxMs: Math.max(...samples), samples };
}

/** 12345.6 -> "12,346". */
export function fmtInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A duration given in microseconds, in the unit that reads best. */
export function fmtUs(us: number): string {
  if (!Number.isFinite(us)) return '-';
  if (us < 1000) return `${us < 100 ? us.toFixed(1) : us.toFixed(0)} us`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

export function fmtMs(ms: number): string {
  return fmtUs(ms * 1000);
}

export function fmtMB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Forces a full collection (the process runs with --expose-gc); a no-op without it. */
export async function fullGc(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  for (let i = 0; i < 3; i++) {
    gc();
    // Let finalizers and weak callbacks run between collections.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export const hasGc = (): boolean => typeof (globalThis as { gc?: unknown }).gc === 'function';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves on a later turn of the event loop, after `turns` setImmediate hops. */
export async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
