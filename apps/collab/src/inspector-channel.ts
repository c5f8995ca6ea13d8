import type { NodeReport, TabReport } from './node-report.js';

/** What the inspector can ask of the tab that runs a node. */
export const ACTIONS = ['hide', 'show', 'freeze', 'close', 'partition', 'heal', 'transfer'] as const;
export type Action = (typeof ACTIONS)[number];

/** A control pressed in some tab's inspector, for the tab `tab` (its own node's id). */
export interface Command {
  tab: string;
  action: Action;
  /** The node acted on (for `transfer`: the leader that hands over). */
  node: string;
  /** `transfer` only: the node to lead next. */
  target?: string;
}

type Message =
  | { kind: 'report'; report: TabReport }
  | { kind: 'bye'; tab: string }
  | { kind: 'command'; command: Command };

/** Another tab's report and when it came. */
export interface HeardReport {
  report: TabReport;
  at: number;
}

/** A tab not heard from for this long is dropped from the inspector (one that closed says bye at once). */
export const FORGET_AFTER_MS = 10_000;

/**
 * The inspectors' channel among the tabs of one board in this browser (BroadcastChannel): each tab
 * posts a report of its nodes and hears everyone else's, and a control pressed in one tab reaches the
 * tab that runs the node. Messages are checked as they arrive: anything malformed is dropped.
 */
export class InspectorChannel {
  readonly #channel: BroadcastChannel;
  readonly #heard = new Map<string, HeardReport>();

  constructor(
    name: string,
    private readonly self: string,
    private readonly onCommand: (command: Command) => void,
    private readonly onChange: () => void,
  ) {
    this.#channel = new BroadcastChannel(`webraft-collab-inspector/${name}`);
    this.#channel.onmessage = (event) => this.#receive(event.data);
  }

  /** Every other tab's latest report, heard within FORGET_AFTER_MS, by tab. */
  others(now = Date.now()): HeardReport[] {
    for (const [tab, heard] of this.#heard) if (now - heard.at > FORGET_AFTER_MS) this.#heard.delete(tab);
    return [...this.#heard.values()].sort((a, b) => a.report.tab.localeCompare(b.report.tab));
  }

  publish(report: TabReport): void {
    this.#post({ kind: 'report', report });
  }

  /** Runs `command` here if it is for this tab, else sends it to its tab. */
  send(command: Command): void {
    if (command.tab === this.self) this.onCommand(command);
    else this.#post({ kind: 'command', command });
  }

  /** Says bye (the other inspectors drop this tab at once) and closes the channel. */
  close(): void {
    this.#post({ kind: 'bye', tab: this.self });
    this.#channel.close();
  }

  #post(message: Message): void {
    try {
      this.#channel.postMessage(message);
    } catch {
      // closed already: nothing left to tell
    }
  }

  #receive(data: unknown): void {
    const message = parseMessage(data);
    if (message === null) return;
    if (message.kind === 'command') {
      if (message.command.tab === this.self) this.onCommand(message.command);
      return;
    }
    if (message.kind === 'bye') this.#heard.delete(message.tab);
    else if (message.report.tab !== this.self)
      this.#heard.set(message.report.tab, { report: message.report, at: Date.now() });
    this.onChange();
  }
}

const isString = (value: unknown): value is string => typeof value === 'string' && value.length <= 256;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;
const isIds = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length <= 1000 && value.every(isString);

/** The message `data` is, or null when it is not one this channel sends. */
export function parseMessage(data: unknown): Message | null {
  if (!isObject(data)) return null;
  if (data.kind === 'bye') return isString(data.tab) ? { kind: 'bye', tab: data.tab } : null;
  if (data.kind === 'command') {
    const command = data.command;
    if (!isObject(command) || !isString(command.tab) || !isString(command.node)) return null;
    if (!(ACTIONS as readonly unknown[]).includes(command.action)) return null;
    if (command.target !== undefined && !isString(command.target)) return null;
    return { kind: 'command', command: command as unknown as Command };
  }
  if (data.kind === 'report') {
    const report = data.report;
    if (!isObject(report) || !isString(report.tab) || typeof report.hidden !== 'boolean') return null;
    if (!Array.isArray(report.nodes) || report.nodes.length > 100 || !report.nodes.every(isNodeReport))
      return null;
    return { kind: 'report', report: report as unknown as TabReport };
  }
  return null;
}

function isNodeReport(value: unknown): value is NodeReport {
  if (!isObject(value)) return false;
  const counts = ['term', 'commitIndex', 'lastApplied', 'firstIndex', 'lastIndex', 'lastTerm', 'present'];
  return (
    isString(value.id) &&
    typeof value.own === 'boolean' &&
    isString(value.state) &&
    counts.every((key) => isCount(value[key])) &&
    (value.leader === null || isString(value.leader)) &&
    isIds(value.voters) &&
    isIds(value.learners) &&
    isString(value.link) &&
    typeof value.partitioned === 'boolean' &&
    Array.isArray(value.tail) &&
    value.tail.length <= 100 &&
    value.tail.every(
      (entry: unknown) =>
        isObject(entry) &&
        isCount(entry.index) &&
        (entry.proposer === null || isString(entry.proposer)) &&
        typeof entry.ops === 'string' &&
        entry.ops.length <= 10_000,
    )
  );
}
