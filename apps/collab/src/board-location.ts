import { isId } from '@webraft/transport-websocket/protocol';

/**
 * Which board a page shows, from its URL:
 * - `?board=<name>` (default `main`): a board of this browser's tabs, over BroadcastChannel;
 * - `?room=<room>`: a board shared through the relay (WebSocket) with other browsers and devices.
 *   `&found=1` says this page created the room: its browser may bootstrap the room's cluster (the
 *   page drops the parameter once it did, so a copied link only ever joins). `&relay=<ws url>` names
 *   the relay; by default the one `pnpm demo` started, on this page's host. `&via=webrtc` says the
 *   room's devices talk over WebRTC data channels, the relay carrying only their signaling (by default
 *   `relay`: everything through the relay). It is part of the link, so every device of a room uses the
 *   same.
 */
export type BoardLocation =
  | { readonly kind: 'local'; readonly board: string; readonly relay: string }
  | {
      readonly kind: 'room';
      readonly room: string;
      readonly relay: string;
      readonly found: boolean;
      readonly via: RoomLink;
    };

/** How a room's devices reach each other: through the relay, or WebRTC signaled through it. */
export type RoomLink = 'relay' | 'webrtc';
const ROOM_LINKS: readonly string[] = ['relay', 'webrtc'] satisfies RoomLink[];

/** The relay's port when neither the page nor `pnpm demo` names one: webraft-server's default. */
const DEFAULT_RELAY_PORT = 8787;

/** The relay `pnpm demo` started, on the page's host (scripts/demo.ts tells Vite its port). */
export function defaultRelay(page: URL): string {
  const env = (import.meta as ImportMeta & { env?: Record<string, string | undefined> }).env;
  const port = Number(env?.VITE_COLLAB_RELAY_PORT);
  return `ws://${page.hostname}:${Number.isInteger(port) && port > 0 ? port : DEFAULT_RELAY_PORT}/`;
}

/** A room name or board name the page refused: the page says why instead of starting a node. */
export class BoardLocationError extends Error {
  override name = 'BoardLocationError';
}

export function parseLocation(url: URL, relayByDefault: string = defaultRelay(url)): BoardLocation {
  const params = url.searchParams;
  // A board of this browser keeps the relay too: a room created from it uses that relay.
  const relay = params.get('relay') || relayByDefault;
  if (!/^wss?:\/\/./.test(relay))
    throw new BoardLocationError(`the relay "${relay}" is not a ws:// or wss:// URL`);
  const room = params.get('room');
  if (room === null) return { kind: 'local', board: params.get('board') || 'main', relay };
  if (!isRoomName(room)) {
    throw new BoardLocationError(
      `"${room}" is not a room name: 1 to 64 letters, digits and . _ : @ - (nothing else)`,
    );
  }
  const via = params.get('via') ?? 'relay';
  if (!ROOM_LINKS.includes(via))
    throw new BoardLocationError(`"${via}" is not a way to connect: relay or webrtc`);
  return { kind: 'room', room, relay, found: params.get('found') === '1', via: via as RoomLink };
}

/** Room names as the relay takes them (its room ids), kept short enough to read out and type. */
export const isRoomName = (room: string): boolean => room.length <= 64 && isId(room);

/** A fresh room name nobody else has: the one who creates a room is the one founder of its cluster. */
export const newRoomName = (): string => crypto.randomUUID().slice(0, 8);

/** The link that opens `location`, `found` left out: anyone given the link joins. */
export function linkTo(location: BoardLocation, base: URL, relayByDefault: string = defaultRelay(base)): URL {
  const url = new URL(base.pathname, base);
  if (location.kind === 'room') {
    url.searchParams.set('room', location.room);
    if (location.via !== 'relay') url.searchParams.set('via', location.via);
  } else if (location.board !== 'main') url.searchParams.set('board', location.board);
  if (location.relay !== relayByDefault) url.searchParams.set('relay', location.relay);
  return url;
}
