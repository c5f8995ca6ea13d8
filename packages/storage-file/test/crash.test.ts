import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnce, tempRoot } from './helpers.js';

const newDir = tempRoot('crash');

/** Runs the writer on `dir` until it acknowledged `atLeast` batches, then SIGKILLs it. Returns the last acknowledged. */
function writeThenKill(dir: string, atLeast: number): Promise<number> {
  const fixture = join(import.meta.dirname, 'fixtures', 'crash-writer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', fixture, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let acked = 0;
  let buffer = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) acked = Math.max(acked, Number(line.slice(3)));
      if (acked >= atLeast && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`the writer exited by itself (code ${code})`));
    });
  });
}

describe('a process killed mid-write (SIGKILL, appends and rewrites in flight)', () => {
  it('reopens with every acknowledged batch, a consistent log, and writes on', async () => {
    const dir = newDir();
    let acked = 0;
    for (let round = 1; round <= 4; round++) {
      acked = await writeThenKill(dir, acked + 120 + round * 37);
      const state = await loadOnce(dir);
      const last = state.entries.at(-1)?.index ?? state.snapshot?.meta.index ?? 0;
      // Acknowledged means durable; one more may have been written but not yet acknowledged.
      expect(last, `round ${round}`).toBeGreaterThanOrEqual(acked);
      expect(last, `round ${round}`).toBeLessThanOrEqual(acked + 1);
      const first = (state.snapshot?.meta.index ?? 0) + 1;
      expect(state.entries.map((e) => e.index)).toEqual(
        Array.from({ length: last - first + 1 }, (_, k) => first + k),
      );
      expect(state.hardState.commit).toBe(last - 1);
      acked = last;
    }
  });
});
