import { type BoardLocation, isRoomName, linkTo, newRoomName } from './board-location.js';
import { el } from './dom.js';

/** The page's sharing controls (index.html): where the board lives, join a room, start one. */
export interface SharingElements {
  text: HTMLElement;
  form: HTMLFormElement;
  roomInput: HTMLInputElement;
  newRoom: HTMLButtonElement;
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
): (relayState: string) => void {
  elements.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = elements.roomInput.value.trim();
    if (!isRoomName(room)) {
      refuse(`"${room}" is not a room name: 1 to 64 letters, digits and . _ : @ - (nothing else)`);
      return;
    }
    window.location.assign(linkTo({ kind: 'room', room, relay: location.relay, found: false }, page));
  });
  elements.newRoom.addEventListener('click', () => {
    const link = linkTo({ kind: 'room', room: newRoomName(), relay: location.relay, found: true }, page);
    link.searchParams.set('found', '1');
    window.location.assign(link);
  });
  if (location.kind === 'local') {
    elements.text.replaceChildren(
      'This board is shared by the tabs of this browser (BroadcastChannel). To edit it with other browsers and devices, start a shared board or join a room:',
    );
    return () => undefined;
  }
  const state = el('span', { 'data-relay-state': 'idle', text: RELAY_STATES.idle });
  const link = linkTo(location, page).href;
  elements.roomInput.value = location.room;
  elements.text.replaceChildren(
    'Room ',
    el('strong', { id: 'room', text: location.room }),
    `, shared through the relay ${location.relay}: `,
    state,
    '. Open this link in other browsers and devices: ',
    el('a', { id: 'room-link', href: link, text: link }),
    ' · ',
    el('a', {
      href: linkTo({ kind: 'local', board: 'main', relay: location.relay }, page).href,
      text: 'this browser’s own board',
    }),
  );
  return (relayState) => {
    state.dataset.relayState = relayState;
    state.textContent = RELAY_STATES[relayState] ?? relayState;
  };
}
