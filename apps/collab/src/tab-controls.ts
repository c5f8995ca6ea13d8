import type { Command } from './inspector-channel.js';
import type { BoardTab } from './start-board.js';

/** How long "Freeze" blocks the tab: longer than an election timeout, short of the browser's hang warning. */
export const FREEZE_MS = 5000;

/**
 * Carries out an inspector command on this tab (the one running `command.node`):
 * - hide / show: the tab acts hidden (a `visibilitychange` its tab cluster hears: leaders hand off)
 *   or visible again;
 * - freeze: blocks this tab's main thread for FREEZE_MS. No timer, message or event of the page runs
 *   meanwhile; they all run late once it ends, as when the browser freezes a tab and thaws it;
 * - close: stops every node of this tab as closing it would (`closeTab`);
 * - partition / heal: drops, or lets through again, the node's Raft traffic;
 * - transfer: the node, a leader, hands leadership to `command.target`.
 * Returns a promise of the outcome (a transfer may fail: the inspector says so).
 */
export async function runCommand(
  command: Command,
  tab: BoardTab,
  closeTab: () => Promise<void>,
): Promise<void> {
  const { action, node } = command;
  if (action === 'hide' || action === 'show') return tab.visibility.actHidden(action === 'hide');
  if (action === 'freeze') return blockMainThread(FREEZE_MS);
  if (action === 'close') return closeTab();
  const transport = tab.transports.get(node);
  if (action === 'partition' || action === 'heal') {
    if (transport) transport.partitioned = action === 'partition';
    return;
  }
  const raft = tab.cluster.nodes.find((hosted) => hosted.address === node);
  if (raft) await raft.transferLeadership(command.target);
}

function blockMainThread(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose: this is the freeze.
  }
}
