import { COMMIT_LEVELS, type PutReport } from '@webraft/coordinator';
import { el } from './dom.js';

const ms = (value: number | undefined) => (value === undefined ? '' : `${value.toFixed(1)} ms`);

/** One put as a list item: its outcome, when each level was reached, and where each replica went. */
export function putItem(report: PutReport, error?: Error): HTMLLIElement {
  const status = report.acknowledgedMs !== undefined ? 'acknowledged' : error ? 'failed' : 'pending';
  const head =
    status === 'acknowledged'
      ? `${report.commitLevel} acknowledged after ${ms(report.acknowledgedMs)}`
      : status === 'failed'
        ? `${report.commitLevel} failed: ${error!.message}`
        : `${report.commitLevel} pending`;
  const levels = COMMIT_LEVELS.map((level) =>
    el('span', {
      'data-level': level,
      'data-reached': report.levels[level] === undefined ? 'false' : 'true',
      text: `${level}: ${report.levels[level] === undefined ? 'not reached' : ms(report.levels[level])}`,
    }),
  );
  const rows = report.replicas.map((replica) =>
    el(
      'tr',
      { 'data-replica-id': replica.id, 'data-status': replica.status, 'data-role': replica.role },
      el('td', { text: replica.id === 'local' ? 'this tab' : replica.id }),
      el('td', { text: replica.zone ?? (replica.id === 'local' ? 'own zone' : '') }),
      el('td', { text: replica.role + (replica.replaces ? ` of ${replica.replaces}` : '') }),
      el('td', { text: replica.status }),
      el('td', { text: ms(replica.settledMs) }),
    ),
  );
  return el(
    'li',
    {
      class: 'put',
      'data-key': report.key,
      'data-level': report.commitLevel,
      'data-status': status,
      'data-settled': String(report.settled),
      'data-durable': String(report.durable),
    },
    el('div', { class: 'put-head', text: `${head} · key ${report.key}` }),
    el('div', { class: 'levels' }, ...levels.flatMap((span, i) => (i === 0 ? [span] : [' · ', span]))),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['peer', 'zone', 'placed as', 'status', 'ended at'].map((h) =>
            el('th', { scope: 'col', text: h }),
          ),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
  );
}
