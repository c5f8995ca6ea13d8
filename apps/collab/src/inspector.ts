import type { RaftInterface } from '@webraft/core';
import { el } from './dom.js';

/** Ids are `tab-` and a UUID: the first 8 characters of the UUID tell them apart on screen. */
export const shortId = (id: string | null): string => (id ? id.replace(/^tab-/, '').slice(0, 8) : '—');

const COLUMNS = ['node', 'role', 'term', 'commit', 'applied', 'leader', 'voters', 'learners'];

/** The inspector's table: one row per node this tab hosts (its own first, then adopted ones). */
export function drawInspector(body: HTMLTableSectionElement, nodes: readonly RaftInterface[]): void {
  body.replaceChildren(
    ...nodes.map((node, i) => {
      const members = node.members;
      const cells = [
        `${shortId(node.address)}${i === 0 ? ' (own)' : ' (adopted)'}`,
        node.state,
        String(node.term),
        String(node.commitIndex),
        String(node.lastApplied),
        shortId(node.leader),
        [...members.voters].map(shortId).sort().join(', '),
        [...members.learners].map(shortId).sort().join(', ') || '—',
      ];
      return el(
        'tr',
        { 'data-node': node.address, 'data-role': node.state },
        ...cells.map((text, c) => el('td', { 'data-column': COLUMNS[c], text })),
      );
    }),
  );
}
