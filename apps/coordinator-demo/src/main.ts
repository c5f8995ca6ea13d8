import { type CommitLevel, generateKey } from '@webraft/coordinator';
import { el } from './dom.js';
import { PutList } from './put-list.js';
import { type DemoPeer, POLICY, startPeer } from './start-peer.js';

const params = new URLSearchParams(location.search);
/** A demo name keeps separate demos (and test runs) of one origin apart. */
const demo = params.get('demo') ?? 'default';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const zoneSelect = $<HTMLSelectElement>('zone');
const preset = params.get('zone');
if (preset) zoneSelect.value = preset;

/** Who is on the data channel now: the tabs that are open. */
const present = new Set<string>();

function drawPeers(tab: DemoPeer): void {
  const entries = tab.directory.entries();
  $('peers').replaceChildren(
    ...entries.map((entry) => {
      const open = entry.id === tab.id || present.has(entry.id);
      const item = el('li', {
        'data-peer-id': entry.id,
        'data-zone': entry.zone ?? '',
        'data-present': String(open),
        class: entry.id === tab.id ? 'self' : '',
        text: `${entry.id} · ${entry.zone ?? 'no zone'}${entry.id === tab.id ? ' (this tab)' : open ? '' : ' · closed'} `,
      });
      if (!open) {
        const drop = el('button', { type: 'button', 'aria-label': `Drop peer ${entry.id}`, text: 'Drop' });
        drop.addEventListener('click', () => {
          drop.disabled = true;
          tab.coordinator.dropPeer({ id: entry.id }).catch((error: unknown) => {
            status.textContent = `Could not drop ${entry.id}: ${String(error)}`;
          });
        });
        item.append(drop);
      }
      return item;
    }),
  );
  document.body.dataset.peers = String(entries.length);
  status.textContent = `This tab is peer ${tab.id} in ${tab.zone}; ${entries.length} peer(s) in the map.`;
}

async function join(zone: string): Promise<void> {
  $<HTMLButtonElement>('join-button').disabled = true;
  zoneSelect.disabled = true;
  status.textContent = `Joining in ${zone}…`;
  const tab = await startPeer(demo, zone);
  document.body.dataset.peerId = tab.id;
  document.body.dataset.zone = zone;
  $('join').hidden = true;
  $('main').hidden = false;
  $('policy').textContent =
    `replicationFactor ${POLICY.replicationFactor}, otherZoneReplicas ${POLICY.replicationStrategy.otherZoneReplicas}: ` +
    'this tab, one peer in another zone, the third in this zone (or wherever peers are left).';
  for (const id of tab.transport.peers) present.add(id);
  tab.transport.onPeer((id) => {
    present.add(id);
    drawPeers(tab);
  });
  tab.transport.onPeerGone((id) => {
    present.delete(id);
    drawPeers(tab);
  });
  drawPeers(tab);
  tab.directory.doc.subscribe(() => drawPeers(tab));
  const puts = new PutList($('puts'), tab.coordinator);
  $('put').addEventListener('submit', (submit) => {
    submit.preventDefault();
    const level = $<HTMLSelectElement>('level').value as CommitLevel;
    const key = generateKey();
    const event = { text: $<HTMLInputElement>('event-text').value, from: tab.id };
    puts.follow(key, level, () => tab.coordinator.put(key, event, level));
  });
  window.addEventListener('pagehide', () => void tab.peer.close());
  document.body.dataset.ready = 'true';
}

$('join').addEventListener('submit', (submit) => {
  submit.preventDefault();
  join(zoneSelect.value).catch((error: unknown) => {
    status.textContent = `Could not join: ${String(error)}`;
  });
});
