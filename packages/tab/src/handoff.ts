import type { HostedNode } from './hosted-node.js';

/** Where the page says it was hidden (`document`). */
export interface VisibilitySource extends EventTarget {
  readonly visibilityState: DocumentVisibilityState;
}

/**
 * Handoff: when this tab becomes hidden (`visibilitychange`) or its page goes away (`pagehide`),
 * every node it hosts that leads transfers leadership first (`transferLeadership`), to a voter of
 * another tab that its transport sees present. A hidden tab's timers are throttled (and it may be
 * frozen or discarded next), so a leader there would slow every commit or cost an election timeout;
 * a visible tab's node takes over at once instead. Nothing to do when no other tab's voter is present.
 * Returns a function that stops listening.
 */
export function handOffWhenHidden(
  hosted: () => readonly HostedNode[],
  visibility: VisibilitySource | null,
  lifecycle: EventTarget | null,
): () => void {
  const handOff = (): void => {
    const nodes = hosted();
    const here = new Set(nodes.map((node) => node.id));
    for (const node of nodes) {
      if (node.raft.state !== 'leader') continue;
      const target = node.raft.members.voters.find((id) => !here.has(id) && node.present.has(id));
      if (target !== undefined) node.raft.transferLeadership(target).catch(() => undefined);
    }
  };
  const onVisibility = (): void => {
    if (visibility?.visibilityState === 'hidden') handOff();
  };
  visibility?.addEventListener('visibilitychange', onVisibility);
  lifecycle?.addEventListener('pagehide', handOff);
  return () => {
    visibility?.removeEventListener('visibilitychange', onVisibility);
    lifecycle?.removeEventListener('pagehide', handOff);
  };
}
