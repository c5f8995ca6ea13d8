/**
 * The collaborative board: each tab showing the board is a Raft node (packages/tab/README.md, Tab
 * clusters); the board is one replicated JSON document (packages/json-doc/README.md). `?board=<name>`
 * picks another board of this browser, `?room=<room>` a board shared through the relay
 * (board-location.ts).
 */
import { WebRtcTransport } from '@webraft/transport-webrtc/native';
import { WebSocketTransport } from '@webraft/transport-websocket';
import type { BoardView } from './board.js';
import { linkTo, parseLocation } from './board-location.js';
import { boardDrawer } from './board-view.js';
import { EDIT_DEADLINE_MS, Edits } from './edits.js';
import { startInspector } from './inspector-panel.js';
import { nextTask } from './next-task.js';
import { setUpSharing } from './sharing-view.js';
import { startBoard } from './start-board.js';
import { statusText } from './status-line.js';
import { WaitingStore } from './waiting-store.js';
import { drawWaiting } from './waiting-view.js';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = byId<HTMLParagraphElement>('status');
const failure = byId<HTMLDivElement>('failure');
const failureText = byId<HTMLSpanElement>('failure-text');
const boardRoot = byId<HTMLDivElement>('board');

function showFailure(message: string): void {
  failureText.textContent = message;
  failure.hidden = false;
}
byId<HTMLButtonElement>('failure-dismiss').addEventListener('click', () => {
  failure.hidden = true;
});

try {
  const page = new URL(window.location.href);
  const where = parseLocation(page);
  const sharing = setUpSharing(
    {
      text: byId('sharing-text'),
      form: byId('room-form'),
      roomInput: byId('room-name'),
      newRoom: byId('room-new'),
      via: byId('room-via'),
    },
    where,
    page,
    showFailure,
  );
  status.textContent =
    where.kind === 'room' && !where.found
      ? `Joining room ${where.room}: waiting for a tab of the room to add this one…`
      : 'Starting this tab’s node…';
  const tab = await startBoard(where);
  // The room exists now: a reload or a copied link of this page joins it, never founds it again.
  if (where.kind === 'room' && where.found) history.replaceState(null, '', linkTo(where, page));
  const transport = tab.transports.get(tab.id)?.inner;
  // Over WebRTC the relay connection is the signaling's; otherwise the transport itself.
  const relay = transport instanceof WebRtcTransport ? tab.signalings.get(tab.id)?.connection : transport;
  if (relay instanceof WebSocketTransport) {
    sharing.relay(relay.state);
    relay.onStateChange(sharing.relay);
  }
  if (transport instanceof WebRtcTransport) {
    const showDirect = () => sharing.direct(transport.directPeers.length, transport.peers.length);
    transport.onDirect(showDirect);
    transport.onPeer?.(showDirect);
    transport.onPeerGone?.(showDirect);
    showDirect();
  }
  let pending = 0;
  const waitingStore = new WaitingStore(tab.namespace, tab.id);
  const edits = new Edits(
    tab.doc,
    {
      pending: (count) => {
        pending = count;
        refreshSoon();
      },
      failed: showFailure,
      waiting: (kept) => drawWaiting(byId('waiting'), byId('waiting-list'), kept),
    },
    EDIT_DEADLINE_MS,
    waitingStore,
  );
  /** The inspector's "Close": this tab's nodes stop as if the tab closed (leaders hand off first). */
  const closeTab = async () => {
    clearInterval(timer);
    inspector.close();
    boardRoot.inert = true;
    await tab.cluster.stop();
    await tab.identity.release(); // as a closed tab's: another tab may adopt it
    refreshStatus();
    status.textContent += ' It was closed from the inspector: reload the page to start it again.';
    document.body.dataset.closed = 'true';
  };
  const inspector = startInspector(
    tab,
    { body: byId('inspector-body'), tail: byId('log-tail') },
    closeTab,
    showFailure,
  );
  const refreshStatus = (publish = false) => {
    // Set only when it changed: a live region, and a redraw four times a second otherwise.
    const text = statusText(tab.node, pending);
    if (status.textContent !== text) status.textContent = text;
    const leader = tab.node.leader ?? '';
    if (status.dataset.leader !== leader) status.dataset.leader = leader;
    inspector.refresh(publish);
  };
  // The status line and the inspector follow the node's events at most once a frame, after them:
  // drawn in the event, their report of every node (and the other tabs' redraw on it) would stand in
  // the way of the node's next message, between an entry applied and the commit index sent on.
  let refreshQueued = false;
  let publishQueued = false;
  const refreshSoon = (publish = false) => {
    publishQueued ||= publish;
    if (refreshQueued) return;
    refreshQueued = true;
    requestAnimationFrame(() => {
      refreshQueued = false;
      const publishNow = publishQueued;
      publishQueued = false;
      refreshStatus(publishNow);
    });
  };
  // The board itself is drawn on the very next task, not in a frame: it is what the user waits for.
  // Not within the change either: an edit made here goes to the leader first (its proposal leaves in
  // the change's own promise work), and a leader sends the followers the new commit index before it
  // draws the entry that committed (README, Edit latency).
  const drawBoard = boardDrawer(boardRoot, edits);
  const redraw = () => drawBoard(tab.doc.optimisticValue as BoardView);
  tab.doc.subscribeOptimistic(nextTask(redraw));
  tab.doc.subscribe(() => refreshSoon());
  tab.node.listen('updated', () => refreshSoon());
  for (const event of ['state changed', 'leader'] as const) tab.node.listen(event, () => refreshSoon(true));
  // Adopted nodes come and go, and commit indexes move on nodes without events here: a timer too,
  // which also keeps the other tabs' inspectors up to date (and draws a hidden tab, which has no
  // animation frames).
  const timer = setInterval(() => refreshStatus(true), 250);
  redraw();
  refreshStatus(true);
  // Edits this tab identity kept waiting before a reload (or a close): proposed again, applied once.
  for (const saved of waitingStore.load()) void edits.resume(saved);
  document.body.dataset.nodeId = tab.id;
  document.body.dataset.ready = 'true';
} catch (error) {
  status.textContent = 'This tab could not start its node.';
  showFailure(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  throw error;
}
