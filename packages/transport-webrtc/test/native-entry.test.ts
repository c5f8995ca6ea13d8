import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as native from '../src/native.js';

const SRC = new URL('../src/', import.meta.url);

/**
 * The modules `file` (in src) loads when it runs, transitively: its `import`/`export ... from` that are
 * not type-only (TypeScript erases those), local ones followed, packages listed as they are named.
 */
function loadedBy(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(new URL(file, SRC), 'utf8');
  for (const [, what, from] of source.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
    if (what) continue;
    if (from!.startsWith('./')) loadedBy(from!.slice(2).replace(/\.js$/, '.ts'), seen);
    else seen.add(from!);
  }
  return seen;
}

describe('the native entry (@webraft/transport-webrtc/native)', () => {
  it('loads no simple-peer, so a browser bundle needs no Node polyfills; the main entry does', () => {
    const nativeLoads = loadedBy('native.ts');
    expect(nativeLoads).toContain('transport.ts');
    expect(nativeLoads).not.toContain('simple-peer');
    expect(nativeLoads).not.toContain('peer-connection.ts');
    expect(loadedBy('index.ts')).toContain('simple-peer');
  });

  it('exports what the main entry does but simple-peer’s factory, its WebRtcTransport defaulting to RTCPeerConnection', () => {
    const mainOnly = Object.keys(main).filter((name) => !(name in native));
    expect(mainOnly.sort()).toEqual(['SIMPLE_PEER_MAX_BUFFERED_BYTES', 'createSimplePeerConnection']);
    // Two classes of one base: `instanceof WebRtcTransportBase` holds for either.
    expect(native.WebRtcTransport).not.toBe(main.WebRtcTransport);
    expect(Object.getPrototypeOf(native.WebRtcTransport)).toBe(main.WebRtcTransportBase);
    expect(Object.getPrototypeOf(main.WebRtcTransport)).toBe(main.WebRtcTransportBase);
    expect(native.WebRtcTransportBase).toBe(main.WebRtcTransportBase);
  });
});
