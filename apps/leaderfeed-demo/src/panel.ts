import type { LeaderFeed } from '@webraft/leaderfeed';
import { RelayConnection } from './relay-connection.js';
import { SharedClock } from './shared-clock.js';

/** One backend's panel: its feed, the leader's job (clock and relay connection), and the history. */
export function mountPanel(
  parent: HTMLElement,
  title: string,
  feed: LeaderFeed,
  options: { clockChannel: string; relayUrl: string | null },
) {
  const section = document.createElement('section');
  section.dataset.backend = title;
  const heading = document.createElement('h2');
  heading.textContent = title;
  const facts = document.createElement('dl');
  const history = document.createElement('ol');
  section.append(heading, facts, document.createElement('h3'), history);
  section.querySelector('h3')!.textContent = 'History';
  parent.append(section);

  const render = () => {
    section.dataset.leader = String(feed.isLeader);
    const rows: [string, string][] = [
      ['this tab', feed.id],
      ['state', feed.isLeader ? 'LEADER' : 'follower'],
      ['token', feed.token === undefined ? '-' : String(feed.token)],
      ['leader', feed.leader ? `${feed.leader.leaderId} (token ${feed.leader.token})` : 'none yet'],
      ['shared clock', String(clock.value)],
      ['stale ticks refused', String(clock.refused)],
      ['relay connection', relay.state],
    ];
    facts.replaceChildren(
      ...rows.flatMap(([name, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = name;
        const dd = document.createElement('dd');
        dd.textContent = value;
        if (name === 'shared clock') dd.className = 'clock';
        return [dt, dd];
      }),
    );
  };
  const clock = new SharedClock(options.clockChannel, render);
  const relay = new RelayConnection(options.relayUrl, render);
  const log = (text: string) => {
    const item = document.createElement('li');
    item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
    history.prepend(item);
  };

  feed.on('new state', (state, token) => {
    if (state === 'leader') {
      log(`this tab leads, token ${token}`);
      clock.run(feed.id, () => feed.token);
      relay.open();
    } else {
      log('this tab follows');
      clock.stop();
      relay.close();
    }
    render();
  });
  feed.on('new leader', (leaderId, token) => {
    log(`leader ${leaderId}, token ${token}`);
    render();
  });
  feed.on('heartbeat error', (error) => log(`stepped down: ${(error as { code?: string }).code ?? error}`));
  render();
}
