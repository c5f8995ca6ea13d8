import { drawInspector, drawLogTail, silentSeconds } from './inspector.js';
import { type Command, InspectorChannel } from './inspector-channel.js';
import { reportNode, type TabReport } from './node-report.js';
import type { BoardTab } from './start-board.js';
import { runCommand } from './tab-controls.js';

export interface InspectorElements {
  body: HTMLTableSectionElement;
  tail: HTMLOListElement;
}

/** The inspector of this tab: what it draws, what it tells the other tabs, the commands it runs. */
export interface InspectorPanel {
  /** Redraws; `publish` also tells the other tabs' inspectors. */
  refresh(publish?: boolean): void;
  /** Stops reporting (the other inspectors drop this tab). */
  close(): void;
}

/**
 * Starts this tab's part of the inspector: a report of the nodes it runs, shared with the board's
 * other tabs in this browser (InspectorChannel), drawn beside theirs, and the controls' commands for
 * this tab carried out here (`runCommand`). A command that fails (a transfer that timed out, say) is
 * told with `fail`.
 */
export function startInspector(
  tab: BoardTab,
  elements: InspectorElements,
  closeTab: () => Promise<void>,
  fail: (message: string) => void,
): InspectorPanel {
  const report = (): TabReport => ({
    tab: tab.id,
    hidden: tab.visibility.visibilityState === 'hidden',
    nodes: tab.cluster.nodes.map((node) =>
      reportNode(
        node,
        node === tab.node,
        tab.transports.get(node.address),
        tab.tails.get(node.address),
        tab.signalings.get(node.address),
      ),
    ),
  });
  const run = (command: Command) => {
    runCommand(command, tab, closeTab).then(
      () => panel.refresh(true),
      (error: unknown) =>
        fail(
          `The inspector's ${command.action} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  };
  // Other tabs' reports are drawn on the next refresh (every 250 ms), not each as it comes: five tabs
  // would otherwise redraw twenty times a second each, time their Raft timers need.
  const channel = new InspectorChannel(tab.namespace, tab.id, run, () => undefined);
  /** What was drawn last: a redraw that would show the same is skipped (most are, when idle). */
  let drawn = '';
  const panel: InspectorPanel = {
    refresh(publish = false) {
      const self = report();
      const now = Date.now();
      const view = { self, others: channel.others(now), now };
      const shown = JSON.stringify([
        self,
        view.others.map(({ report, at }) => [report, silentSeconds(now - at)]),
      ]);
      if (shown !== drawn) {
        drawn = shown;
        drawInspector(elements.body, view, (command) => channel.send(command));
        drawLogTail(elements.tail, self.nodes[0]);
      }
      if (publish) channel.publish(self);
    },
    close() {
      channel.close();
    },
  };
  return panel;
}
