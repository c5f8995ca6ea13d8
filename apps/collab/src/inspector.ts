import { button, el, redrawKeepingFocus } from './dom.js';
import type { Command, HeardReport } from './inspector-channel.js';
import type { NodeReport, TabReport } from './node-report.js';
import { FREEZE_MS } from './tab-controls.js';

/** Ids are `tab-` and a UUID: the first 8 characters of the UUID tell them apart on screen. */
export const shortId = (id: string | null): string => (id ? id.replace(/^tab-/, '').slice(0, 8) : '—');

const COLUMNS = [
  'node',
  'role',
  'term',
  'commit',
  'applied',
  'log',
  'leader',
  'voters',
  'learners',
  'link',
] as const;

/** What the inspector draws: this tab's report, the other tabs' as last heard. */
export interface InspectorView {
  self: TabReport;
  others: readonly HeardReport[];
  now: number;
}

/** A row's node, where it runs and what is known of its tab. */
interface Row {
  node: NodeReport;
  tab: TabReport;
  here: boolean;
  /** Ms since its tab was last heard (0 for this tab). */
  silentMs: number;
}

/**
 * The inspector's table: every node the tabs of this board in this browser run (this tab's first:
 * its own, then adopted ones), then the members nobody here runs (other devices, closed tabs). Each
 * running node's row has its controls; a control acts through the tab that runs the node (`send`).
 */
export function drawInspector(
  body: HTMLTableSectionElement,
  view: InspectorView,
  send: (command: Command) => void,
): void {
  const rows: Row[] = [
    ...view.self.nodes.map((node) => ({ node, tab: view.self, here: true, silentMs: 0 })),
    ...view.others.flatMap(({ report, at }) =>
      report.nodes.map((node) => ({ node, tab: report, here: false, silentMs: view.now - at })),
    ),
  ];
  const running = new Set(rows.map((row) => row.node.id));
  const own = view.self.nodes[0];
  const elsewhere = own ? [...own.voters, ...own.learners].filter((id) => !running.has(id)) : [];
  const leader = rows.find((row) => row.node.state === 'leader');
  redrawKeepingFocus(body, () => [
    ...rows.map((row) => drawRow(row, leader, send)),
    ...elsewhere.map((id) =>
      el(
        'tr',
        { 'data-node': id, 'data-role': 'elsewhere', class: 'elsewhere' },
        el('td', { 'data-column': 'node', text: `${shortId(id)} (not in a tab of this browser)` }),
        el('td', {
          colspan: String(COLUMNS.length),
          text: 'a member that no tab of this browser runs: another device, or a closed tab',
        }),
      ),
    ),
  ]);
}

/** A tab's silence as the inspector tells it: whole seconds, 0 while it reports as usual (4 times a second). */
export const silentSeconds = (ms: number): number => (ms > 1500 ? Math.round(ms / 1000) : 0);

function where(row: Row): string {
  if (row.here) return row.node.own ? 'this tab' : 'adopted here';
  return row.node.own ? 'another tab' : `adopted by ${shortId(row.tab.tab)}`;
}

function linkText(row: Row): string {
  const { node, tab, silentMs } = row;
  const facts = [`${node.link}, ${node.present} present`];
  if (node.partitioned) facts.push('partitioned');
  if (tab.hidden) facts.push('hidden');
  const silent = silentSeconds(silentMs);
  if (silent > 0) facts.push(`tab silent ${silent} s`);
  return facts.join(' · ');
}

function drawRow(row: Row, leader: Row | undefined, send: (command: Command) => void): HTMLTableRowElement {
  const { node } = row;
  const cells: Record<(typeof COLUMNS)[number], string> = {
    node: `${shortId(node.id)} (${where(row)})`,
    role: node.state,
    term: String(node.term),
    commit: String(node.commitIndex),
    applied: String(node.lastApplied),
    log: node.lastIndex === 0 ? 'empty' : `${node.firstIndex}–${node.lastIndex}, term ${node.lastTerm}`,
    leader: shortId(node.leader),
    voters: [...node.voters].map(shortId).sort().join(', '),
    learners: [...node.learners].map(shortId).sort().join(', ') || '—',
    link: linkText(row),
  };
  return el(
    'tr',
    {
      'data-node': node.id,
      'data-role': node.state,
      'data-host': row.here ? 'self' : 'other',
      'data-partitioned': String(node.partitioned),
    },
    ...COLUMNS.map((column) => el('td', { 'data-column': column, text: cells[column] })),
    el('td', { 'data-column': 'controls', class: 'controls' }, ...controls(row, leader, send)),
  );
}

/** The buttons of a node's row; each is named for what it does to which node. */
function controls(row: Row, leader: Row | undefined, send: (command: Command) => void): HTMLButtonElement[] {
  const { node, tab } = row;
  const id = shortId(node.id);
  const key = (action: string) => `inspector:${node.id}:${action}`;
  const command =
    (action: Command['action'], extra: Partial<Command> = {}) =>
    () =>
      send({ tab: tab.tab, action, node: node.id, ...extra });
  if (node.state === 'stopped' || node.state === 'failed' || node.state === 'removed') return [];
  const buttons = [
    // A toggle keeps one key, so the focus stays on it when it flips.
    tab.hidden
      ? button('Show', `Show the tab of node ${id}`, key('visibility'), command('show'))
      : button('Hide', `Hide the tab of node ${id}`, key('visibility'), command('hide')),
    button(
      'Freeze',
      `Freeze the tab of node ${id} for ${FREEZE_MS / 1000} s`,
      key('freeze'),
      command('freeze'),
    ),
    button('Close', `Close the tab of node ${id}`, key('close'), command('close')),
    node.partitioned
      ? button('Heal', `Heal node ${id}`, key('partition'), command('heal'))
      : button('Partition', `Partition node ${id}`, key('partition'), command('partition')),
  ];
  if (node.state === 'leader') {
    buttons.push(button('Hand off', `Hand leadership off from node ${id}`, key('lead'), command('transfer')));
  } else if (leader && node.voters.includes(node.id)) {
    // Only the leader can transfer: the command goes to the tab that runs it.
    buttons.push(
      button('Lead', `Make node ${id} the leader`, key('lead'), () =>
        send({ tab: leader.tab.tab, action: 'transfer', node: leader.node.id, target: node.id }),
      ),
    );
  }
  return buttons;
}

/** The latest patches this tab's own node applied, newest first. */
export function drawLogTail(list: HTMLOListElement, node: NodeReport | undefined): void {
  const entries = node?.tail ?? [];
  list.replaceChildren(
    ...entries.map((entry) =>
      el('li', {
        'data-index': String(entry.index),
        text: `#${entry.index} ${entry.ops} (by ${shortId(entry.proposer)})`,
      }),
    ),
  );
}
