import { describe, expect, it } from 'vitest';
import { parseMessage } from '../src/inspector-channel.js';
import type { NodeReport } from '../src/node-report.js';

const node: NodeReport = {
  id: 'tab-1',
  own: true,
  state: 'leader',
  term: 2,
  commitIndex: 5,
  lastApplied: 5,
  firstIndex: 1,
  lastIndex: 5,
  lastTerm: 2,
  leader: 'tab-1',
  voters: ['tab-1', 'tab-2'],
  learners: [],
  link: 'BroadcastChannel',
  present: 1,
  partitioned: false,
  tail: [{ index: 5, proposer: 'tab-1', ops: 'add /lists/0/cards/-' }],
};
const report = { kind: 'report', report: { tab: 'tab-1', hidden: false, nodes: [node] } };

describe('inspector channel messages', () => {
  it('takes reports, byes and commands the tabs send', () => {
    expect(parseMessage(report)).toEqual(report);
    expect(parseMessage({ kind: 'bye', tab: 'tab-1' })).toEqual({ kind: 'bye', tab: 'tab-1' });
    const command = {
      kind: 'command',
      command: { tab: 'tab-1', action: 'transfer', node: 'tab-1', target: 'tab-2' },
    };
    expect(parseMessage(command)).toEqual(command);
  });

  it('drops anything else: unknown kinds and actions, wrong types, oversized lists', () => {
    const bad: unknown[] = [
      null,
      'report',
      { kind: 'hello' },
      { kind: 'bye', tab: 7 },
      { kind: 'command', command: { tab: 'tab-1', action: 'reboot', node: 'tab-1' } },
      { kind: 'command', command: { tab: 'tab-1', action: 'transfer', node: 'tab-1', target: 3 } },
      { kind: 'report', report: { tab: 'tab-1', hidden: 'no', nodes: [] } },
      { kind: 'report', report: { tab: 'tab-1', hidden: false, nodes: [{ ...node, term: -1 }] } },
      { kind: 'report', report: { tab: 'tab-1', hidden: false, nodes: [{ ...node, voters: 'tab-1' }] } },
      {
        kind: 'report',
        report: { tab: 'tab-1', hidden: false, nodes: [{ ...node, tail: [{ index: 'x' }] }] },
      },
      { kind: 'report', report: { tab: 'tab-1', hidden: false, nodes: Array(101).fill(node) } },
      { kind: 'report', report: { tab: 'x'.repeat(257), hidden: false, nodes: [] } },
    ];
    for (const message of bad) expect(parseMessage(message)).toBeNull();
  });
});
