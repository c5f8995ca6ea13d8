/**
 * A duration for a message: `213 ms`, not `213.48291 ms` (timeouts drawn at random, deadlines minus
 * now). Below 10 ms one decimal is kept, so a sub-millisecond value does not read as `0 ms`.
 */
export function formatMs(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return `${String(ms)} ms`;
  return `${Math.abs(ms) >= 10 ? Math.round(ms) : Math.round(ms * 10) / 10} ms`;
}
