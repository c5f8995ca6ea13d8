import { type BoardLocation, isRoomName, linkTo, newRoomName } from './board-location.js';
import { el } from './dom.js';

/** The page's sharing controls (index.html): where the board lives, join a room, start one. */
export interface SharingElements {
  text: HTMLElement;
  form: HTMLFormElement;
  roomInput: HTMLInputElement;
  newRoom: HTMLButtonElement;
  /** How a shared board's devices connect: `relay` or `webrtc` (board-location.ts, RoomLink). */
  via: HTMLSelectElement;
}

/** What the page shows of a shared board's connections. */
export interface SharingState {
  /** The relay connection's state (`WebSocketTransport.state`). */
  relay(state: string): void;
  /** Over WebRTC: how many of the room's other members this node has an open data channel with. */
  direct(open: number, members: number): void;
}

/** What a relay connection's state (`WebSocketTransport.state`) means to a user. */
const RELAY_STATES: Record<string, string> = {
  idle: 'not connected yet',
  connecting: 'connecting…',
  open: 'connected',
  backingOff: 'connection lost, retrying',
  closed: 'closed',
};

/**
 * Wires the sharing controls: "Join" opens the room typed in, "New shared board" opens a fresh room as
 * its founder (`found=1`, packages/tab/README.md, `bootstrap`). Returns how to show the relay's state.
 */
export function setUpSharing(
  elements: SharingElements,
  location: BoardLocation,
  page: URL,
  refuse: (message: string) => void,
): SharingState {
  const via = () => (elements.via.value === 'webrtc' ? 'webrtc' : 'relay');
  elements.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = elements.roomInput.value.trim();
    if (!isRoomName(room)) {
      refuse(`"${room}" is not a room name: 1 to 64 letters, digits and . _ : @ - (nothing else)`);
      return;
    }
    window.location.assign(
      linkTo({ kind: 'room', room, relay: location.relay, found: false, via: via() }, page),
    );
  });
  elements.newRoom.addEventListener('click', () => {
    const room = newRoomName();
    const link = linkTo({ kind: 'room', room, relay: location.relay, found: true, via: via() }, page);
    link.searchParams.set('found', '1');
    window.location.assign(link);
  });
  if (location.kind === 'local') {
    elements.text.replaceChildren(
      'This board is shared by the tabs of this browser (BroadcastChannel). To edit it with other browsers and devices, start a shared board or join a room:',
    );
    return { relay: () => undefined, direct: () => undefined };
  }
  elements.via.value = location.via;
  const state = el('span', { 'data-relay-state': 'idle', text: RELAY_STATES.idle });
  const link = linkTo(location, page).href;
  elements.roomInput.value = location.room;
  const direct = el('span', { 'data-direct': '0', text: 'no other member yet' });
  elements.text.replaceChildren(
    'Room ',
    el('strong', { id: 'room', text: location.room }),
    location.via === 'webrtc'
      ? `, shared directly (WebRTC, signaled through the relay ${location.relay}: `
      : `, shared through the relay ${location.relay}: `,
    state,
    ...(location.via === 'webrtc' ? ['; data channels: ', direct, ')'] : []),
    '. Open this link in other browsers and devices: ',
    el('a', { id: 'room-link', href: link, text: link }),
    ' · ',
    el('a', {
      href: linkTo({ kind: 'local', board: 'main', relay: location.relay }, page).href,
      text: 'this browser’s own board',
    }),
  );
  return {
    relay: (relayState) => {
      state.dataset.relayState = relayState;
      state.textContent = RELAY_STATES[relayState] ?? relayState;
    },
    direct: (open, members) => {
      direct.dataset.direct = String(open);
      direct.textContent =
        members === 0
          ? 'no other member yet'
          : `open to ${open} of ${members} members${open < members ? ', the others through the relay meanwhile' : ''}`;
    },
  };
}
