import type { RaftInterface } from '@webraft/core';

/** Proposes `command` on `node`; resolves with its index, or with the error's code when it was refused or timed out. */
export async function proposeOn(
  node: RaftInterface | null,
  command: unknown,
  timeoutMs = 3000,
): Promise<{ index?: number; error?: string }> {
  if (!node) return { error: 'NOT_STARTED' };
  try {
    const { index } = await node.propose(command, { timeoutMs });
    return { index };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}
