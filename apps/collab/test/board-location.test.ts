import { describe, expect, it } from 'vitest';
import { BoardLocationError, isRoomName, linkTo, parseLocation } from '../src/board-location.js';

const RELAY = 'ws://127.0.0.1:8787/';
const page = (query: string) => new URL(`http://127.0.0.1:5173/${query}`);

describe('the board a URL names', () => {
  it('is this browser’s main board by default, and another with ?board=', () => {
    expect(parseLocation(page(''), RELAY)).toEqual({ kind: 'local', board: 'main', relay: RELAY });
    expect(parseLocation(page('?board=plans'), RELAY)).toEqual({
      kind: 'local',
      board: 'plans',
      relay: RELAY,
    });
  });

  it('is a room through the relay with ?room=, founded only with found=1', () => {
    expect(parseLocation(page('?room=team-1'), RELAY)).toEqual({
      kind: 'room',
      room: 'team-1',
      relay: RELAY,
      found: false,
      via: 'relay',
    });
    expect(parseLocation(page('?room=team-1&found=1'), RELAY)).toMatchObject({ found: true });
    expect(parseLocation(page('?room=team-1&relay=wss://relay.example/r/'), RELAY)).toMatchObject({
      relay: 'wss://relay.example/r/',
    });
  });

  it('says how the room connects (via=webrtc), kept in its link; refuses any other way', () => {
    const direct = parseLocation(page('?room=team-1&via=webrtc&found=1'), RELAY);
    expect(direct).toMatchObject({ via: 'webrtc', found: true });
    const link = linkTo(direct, page(''), RELAY);
    expect(link.href).toBe('http://127.0.0.1:5173/?room=team-1&via=webrtc');
    expect(parseLocation(link, RELAY)).toEqual({ ...direct, found: false });
    expect(() => parseLocation(page('?room=team-1&via=carrier-pigeon'), RELAY)).toThrow(BoardLocationError);
  });

  it('refuses a room the relay would not take, and a relay that is not a WebSocket URL', () => {
    for (const room of ['', 'a b', 'x/y', 'é', 'r'.repeat(65)]) {
      expect(isRoomName(room)).toBe(false);
      if (room !== '')
        expect(() => parseLocation(page(`?room=${encodeURIComponent(room)}`), RELAY)).toThrow(
          BoardLocationError,
        );
    }
    expect(() => parseLocation(page('?room=ok&relay=http://relay.example/'), RELAY)).toThrow(
      BoardLocationError,
    );
    expect(isRoomName('r'.repeat(64))).toBe(true);
  });

  it('links to a room without found (whoever is given the link joins), naming the relay only when not the default', () => {
    const founder = parseLocation(page('?room=team-1&found=1'), RELAY);
    expect(linkTo(founder, page('?room=team-1&found=1'), RELAY).href).toBe(
      'http://127.0.0.1:5173/?room=team-1',
    );
    const elsewhere = parseLocation(page('?room=team-1&relay=ws://10.0.0.2:9000/'), RELAY);
    const link = linkTo(elsewhere, page(''), RELAY);
    expect(parseLocation(link, RELAY)).toEqual(elsewhere);
    expect(linkTo({ kind: 'local', board: 'main', relay: RELAY }, page('?room=x'), RELAY).href).toBe(
      'http://127.0.0.1:5173/',
    );
  });
});
