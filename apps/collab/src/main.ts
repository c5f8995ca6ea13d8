/**
 * The collaborative board: each tab of this browser showing the board is a Raft node
 * (packages/tab/README.md, Tab clusters); the board is one replicated JSON document
 * (packages/json-doc/README.md). `?board=<name>` picks another board (another cluster).
 */
import type { BoardView } from './board.js';
import { drawBoard } from './board-view.js';
import { Edits } from './edits.js';
import { drawInspector } from './inspector.js';
import { startBoard } from './start-board.js';
import { statusText } from './status-line.js';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = byId<HTMLParagraphElement>('status');
const failure = byId<HTMLDivElement>('failure');
const failureText = byId<HTMLSpanElement>('failure-text');
const boardRoot = byId<HTMLDivElement>('board');
const inspectorBody = byId<HTMLTableSectionElement>('inspector-body');

const boardName = new URLSearchParams(location.search).get('board') ?? 'main';

function showFailure(message: string): void {
  failureText.textContent = message;
  failure.hidden = false;
}
byId<HTMLButtonElement>('failure-dismiss').addEventListener('click', () => {
  failure.hidden = true;
});

try {
  status.textContent = 'Starting this tab’s node…';
  const tab = await startBoard(boardName);
  let pending = 0;
  const edits = new Edits(tab.doc, {
    pending: (count) => {
      pending = count;
      refreshStatus();
    },
    failed: showFailure,
  });
  const refreshStatus = () => {
    status.textContent = statusText(tab.cluster.node, pending);
    status.dataset.leader = tab.cluster.node.leader ?? '';
    drawInspector(inspectorBody, tab.cluster.nodes);
  };
  const redraw = () => drawBoard(boardRoot, tab.doc.optimisticValue as BoardView, edits);
  tab.doc.subscribeOptimistic(redraw);
  tab.doc.subscribe(refreshStatus);
  for (const event of ['state changed', 'leader', 'updated'] as const)
    tab.cluster.node.listen(event, refreshStatus);
  // Adopted nodes come and go, and commit indexes move on nodes without events here: a timer too.
  setInterval(refreshStatus, 250);
  redraw();
  refreshStatus();
  document.body.dataset.nodeId = tab.id;
  document.body.dataset.ready = 'true';
} catch (error) {
  status.textContent = 'This tab could not start its node.';
  showFailure(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  throw error;
}
