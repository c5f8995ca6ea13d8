/**
 * Every tab runs one feed per tab backend of `@webraft/leaderfeed` and shows who leads. `?demo=<name>`
 * keeps separate demos of one origin apart; `?relay=ws://...` is what the leader connects to.
 */
import { BroadcastChannelLeaderFeed, WebLocksLeaderFeed } from '@webraft/leaderfeed';
import { mountPanel } from './panel.js';

const params = new URLSearchParams(location.search);
const demo = params.get('demo') ?? 'default';
const relay = params.get('relay');
const id = `tab-${crypto.randomUUID().slice(0, 6)}`;
const panels = document.getElementById('panels')!;

const webLocks = new WebLocksLeaderFeed({ id });
const broadcast = new BroadcastChannelLeaderFeed({ id });
const prefix = `leaderfeed-demo:${demo}`;
mountPanel(panels, 'WebLocks', webLocks, { clockChannel: `${prefix}:weblocks:clock`, relayUrl: relay });
mountPanel(panels, 'BroadcastChannel', broadcast, {
  clockChannel: `${prefix}:broadcastchannel:clock`,
  relayUrl: relay,
});
// A tab closing resigns, so another leads at once instead of after an election timeout.
window.addEventListener('pagehide', () => {
  void webLocks.stop();
  void broadcast.stop();
});
await Promise.all([
  webLocks.start({ name: `${prefix}:weblocks` }),
  broadcast.start({ channel: `${prefix}:broadcastchannel` }),
]);
