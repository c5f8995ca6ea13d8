/**
 * The transport conformance suite (docs/architecture.md, Transport contract). Every `Transport` adapter runs
 * it: in Node for memory and WebSocket, in real Chromium for BroadcastChannel and WebRTC. It imports no test
 * framework.
 *
 * What it requires of an established link (both ends open and one message through): payloads arrive as
 * deep-equal copies, never synchronously inside `write()`, in the order written, also 1 MB ones. Raft
 * itself tolerates loss and reordering, but every transport we ship keeps per-link order, and the
 * runtime's performance (not its safety) relies on it. While a link is being (re)established messages may
 * be lost, so the suite first pushes a warm-up message through, retrying until one arrives.
 *
 * Failures and limits (the contract in transport/types.ts): a transport that reports departures
 * (`onPeerGone`) reports a peer that closed; one that declares `maxMessageChars` carries a message of
 * exactly that many JSON characters and refuses a larger one with a `TOO_LARGE` report on the sender's
 * `sink.reportError` (write() does not throw). Given raw access to its wire (`TransportPair.wire`), the
 * suite also checks that undecodable frames (`UNDECODABLE`) and oversized ones (`TOO_LARGE`) are reported
 * once each on the receiver's sink and never reach `gotData`. A transport that limits how often it
 * reports must let a burst of 16 reports through.
 */
import type { TransportError } from '../errors.js';
import type { MessageSink, NodeInstance, Transport } from '../transport/types.js';
import { assert, assertEqual, nextTurn, show, type TestHarness, waitFor } from './assert.js';

/** Two transports of one network, for addresses `aAddress` and `bAddress`, not yet opened. */
export interface TransportPair {
  a: Transport;
  b: Transport;
  aAddress: string;
  bAddress: string;
  /**
   * A new, not yet opened transport for `bAddress`, made after the suite closed `b`: a reconnect (a
   * reloaded tab, a restarted server replica). Optional: without it the reconnect test is reduced.
   */
  reopenB?(): Promise<Transport>;
  /**
   * Resolves once everything written so far has been delivered or dropped. Optional: without it, a check
   * that something does NOT arrive waits `quietMs` instead.
   */
  settle?(): Promise<void>;
  /** Closes every transport of the pair (also ones the suite closed already) and the network. */
  close(): Promise<void>;
  /**
   * Raw access to the wire, for the hostile-input tests. Optional: without it those tests check nothing
   * (a transport whose frames no one else can write, like MemoryNetwork, has no such input).
   */
  wire?: RawWire;
}

/** One end of a pair. */
export type PairEnd = 'a' | 'b';

/** What the hostile-input tests need to put frames on the wire, bypassing the sending transport. */
export interface RawWire {
  /**
   * The frame the other end would put on the wire to carry `payload` to `to`, as its sender does but
   * without any size check: the suite makes oversized and exactly-maximal frames with it.
   */
  encode(to: PairEnd, payload: unknown): unknown;
  /**
   * Delivers a raw frame to `to` as if it came off the wire from the other end. Resolves to `false` when
   * this wire cannot carry such a value at all (a text-only socket and an ArrayBuffer, say): the suite
   * then expects nothing of it.
   */
  inject(to: PairEnd, frame: unknown): boolean | Promise<boolean>;
  /**
   * Frames this transport's framing cannot decode, besides the suite's own (text that is not JSON): for
   * example a well-formed envelope whose payload is not JSON, or a value of the wrong type.
   */
  garbage?: unknown[];
}

export type MakeTransportPair = () => Promise<TransportPair>;

export interface TransportTestOptions {
  title?: string;
  /** How long to wait for a message that should arrive (default 5000 ms). */
  timeoutMs?: number;
  /** How long to wait before concluding that a message did not arrive, without `settle` (default 200 ms). */
  quietMs?: number;
}

interface Received {
  from: string;
  payload: unknown;
}

/** A sink that records what it receives and the errors reported to it. */
class Recorder implements MessageSink {
  readonly received: Received[] = [];
  readonly errors: TransportError[] = [];
  constructor(readonly address: string) {}
  gotData(from: string, payload: unknown): void {
    this.received.push({ from, payload });
  }
  reportError(error: TransportError): void {
    this.errors.push(error);
  }
  /** Reported errors with `code`. */
  errorsWith(code: string): TransportError[] {
    return this.errors.filter((e) => e.code === code);
  }
  /** Messages whose payload has `t === tag`. */
  tagged(tag: string): Received[] {
    return this.received.filter((r) => (r.payload as { t?: unknown } | null)?.t === tag);
  }
}

/** A 1 MiB string of mixed widths: ASCII, two-byte, three-byte and astral (surrogate pair) characters. */
const bigString = (length = 1 << 20): string =>
  'abcdefgh-é€😀'.repeat(Math.ceil(length / 14)).slice(0, length);

/** Text frames no JSON framing can decode. */
const NON_JSON_TEXT = ['', 'not json', '{"unterminated', '\u0000\u0001', '{"a":1}}', '\uD800'];

/**
 * `{ t: tag, s }` whose JSON encoding is exactly `chars` characters long (ASCII padding, so that every
 * encoding counts it the same).
 */
function payloadOfLength(tag: string, chars: number): { t: string; s: string } {
  const room = chars - JSON.stringify({ t: tag, s: '' }).length;
  if (room < 0) throw new Error(`a payload cannot be as small as ${chars} characters`);
  return { t: tag, s: 'x'.repeat(room) };
}

/** A sanity bound: a transport declaring more than this is not tested at its maximum. */
const LARGEST_TESTED_MAX = 64 * 1024 * 1024;

/**
 * The error shape the contract requires: an Error named `TransportError` with `code` (checked by name,
 * not `instanceof`, so that a transport bundled with its own copy of the core passes too).
 */
function isTransportError(error: unknown, code: string): boolean {
  return error instanceof Error && error.name === 'TransportError' && (error as TransportError).code === code;
}

export function runTransportTests(
  makeTransportPair: MakeTransportPair,
  harness: TestHarness,
  options: TransportTestOptions = {},
): void {
  const { describe, it } = harness;
  const timeoutMs = options.timeoutMs ?? 5000;
  const quietMs = options.quietMs ?? 200;

  interface Ctx {
    pair: TransportPair;
    sa: Recorder;
    sb: Recorder;
    /** a's instance for b, and b's instance for a. */
    ab: NodeInstance;
    ba: NodeInstance;
    quiet(): Promise<void>;
    /** Writes `{ t: tag }` from a to b, waits for it, then for the wire to settle: what came before is in. */
    through(tag: string): Promise<void>;
  }

  /** Writes `{ t: tag }` through `instance` until one reaches `to`: retries cover link set-up. */
  const deliverEventually = async (instance: NodeInstance, to: Recorder, tag: string) => {
    let last = Number.NEGATIVE_INFINITY;
    let n = 0;
    await waitFor(
      () => {
        if (to.tagged(tag).length > 0) return true;
        if (Date.now() - last >= 20) {
          last = Date.now();
          instance.write({ t: tag, n: n++ });
        }
        return false;
      },
      timeoutMs,
      `a first message (${tag}) to reach ${to.address}`,
    );
  };

  /** Runs `body` with both ends open and the link warmed up in both directions; closes the pair after. */
  const test = (name: string, body: (ctx: Ctx) => Promise<void>): void => {
    it(name, async () => {
      const pair = await makeTransportPair();
      try {
        const sa = new Recorder(pair.aAddress);
        const sb = new Recorder(pair.bAddress);
        await pair.a.open(sa);
        await pair.b.open(sb);
        const ab = pair.a.createInstance(pair.bAddress);
        const ba = pair.b.createInstance(pair.aAddress);
        await deliverEventually(ab, sb, 'warmup');
        await deliverEventually(ba, sa, 'warmup');
        const quiet = () => (pair.settle ? pair.settle() : nextTurn(quietMs));
        const through = async (tag: string) => {
          ab.write({ t: tag });
          await arrival(sb, tag);
          await quiet();
        };
        await body({ pair, sa, sb, ab, ba, quiet, through });
      } finally {
        await pair.close();
      }
    });
  };

  const arrival = (to: Recorder, tag: string, count = 1) =>
    waitFor(
      () => to.tagged(tag).length >= count,
      timeoutMs,
      `${count} message(s) tagged ${tag} at ${to.address}`,
    );

  describe(options.title ?? 'Transport conformance', () => {
    test('a message arrives intact, as a copy, with the sender address', async ({ pair, sb, ab }) => {
      const payload = {
        t: 'intact',
        text: 'héllo \u2028 "quoted" \\ 😀',
        numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
        flags: [true, false, null],
        nested: { deep: { list: [{ a: 1 }, [], {}] } },
      };
      const expected = JSON.parse(JSON.stringify(payload));
      ab.write(payload);
      payload.nested.deep.list.push({ a: 2 }); // a later change must not travel
      await arrival(sb, 'intact');
      const got = sb.tagged('intact');
      assertEqual(got.length, 1, 'number of copies received');
      assertEqual(got[0]?.payload, expected, 'received payload');
      assert(got[0]?.payload !== payload, 'the receiver gets a copy, not the object written');
      assertEqual(got[0]?.from, pair.aAddress, 'sender address');
    });

    test('order is preserved for 100 messages on one link', async ({ sb, ab }) => {
      for (let n = 0; n < 100; n++) ab.write({ t: 'order', n });
      await arrival(sb, 'order', 100);
      const order = sb.tagged('order').map((r) => (r.payload as { n: number }).n);
      assertEqual(
        order,
        Array.from({ length: 100 }, (_, n) => n),
        'order of arrival',
      );
    });

    test('delivery is asynchronous: nothing arrives before write returns', async ({ sb, ab }) => {
      const before = sb.received.length;
      ab.write({ t: 'async' });
      assertEqual(sb.received.length, before, 'messages received synchronously inside write()');
      await arrival(sb, 'async');
    });

    test('both directions at once', async ({ pair, sa, sb, ab, ba }) => {
      for (let n = 0; n < 10; n++) {
        ab.write({ t: 'a-to-b', n });
        ba.write({ t: 'b-to-a', n });
      }
      await arrival(sb, 'a-to-b', 10);
      await arrival(sa, 'b-to-a', 10);
      assert(
        sb.tagged('a-to-b').every((r) => r.from === pair.aAddress),
        'b sees a as the sender',
      );
      assert(
        sa.tagged('b-to-a').every((r) => r.from === pair.bAddress),
        'a sees b as the sender',
      );
      assertEqual(sa.tagged('a-to-b').length + sb.tagged('b-to-a').length, 0, 'messages that came back');
    });

    test('writing to an unknown or closed peer does not throw', async ({ pair, sa, sb, ab, ba, quiet }) => {
      const ghost = pair.a.createInstance(`webraft-no-such-peer-${Math.random().toString(36).slice(2)}`);
      for (let n = 0; n < 10; n++) ghost.write({ t: 'ghost', n });
      // a is not disturbed: a round trip still works.
      ab.write({ t: 'ping' });
      await arrival(sb, 'ping');
      ba.write({ t: 'pong' });
      await arrival(sa, 'pong');
      await pair.b.close();
      for (let n = 0; n < 10; n++) ab.write({ t: 'to-closed', n });
      await quiet();
      ab.write({ t: 'to-closed', n: 10 });
    });

    test('a closed transport receives nothing more; closing twice is safe', async ({
      pair,
      sa,
      sb,
      ab,
      ba,
      quiet,
    }) => {
      ab.write({ t: 'before-close' });
      await pair.b.close();
      const count = sb.received.length;
      for (let n = 0; n < 10; n++) ab.write({ t: 'after-close', n });
      ba.write({ t: 'from-closed' }); // a closed transport's instances send nothing, and do not throw
      await quiet();
      assertEqual(sb.received.length, count, 'messages received by b after it closed');
      assertEqual(
        sa.tagged('after-close').length + sa.tagged('from-closed').length,
        0,
        'misdelivered messages',
      );
      await pair.b.close();
    });

    test('a 1 MB message is delivered (or the largest one the transport declares)', async ({
      pair,
      sb,
      ab,
    }) => {
      const max = pair.a.maxMessageChars;
      // A message of one MiB, or one that fits `maxMessageChars` with room for `{"t":"large","s":""}`
      // and the escapes of its non-ASCII characters (none: JSON.stringify leaves them as they are).
      const s = bigString(max === undefined ? 1 << 20 : Math.min(1 << 20, max - 64));
      ab.write({ t: 'large', s });
      await arrival(sb, 'large');
      assert(
        (sb.tagged('large')[0]?.payload as { s?: unknown } | undefined)?.s === s,
        'the large string arrives intact',
      );
    });

    test('unserializable payloads throw an Error or are dropped; the link survives', async ({ sb, ab }) => {
      const cyclic: Record<string, unknown> = { t: 'cyclic' };
      cyclic.self = cyclic;
      const bad: unknown[] = [cyclic, { t: 'bigint', n: BigInt(1) }, undefined, () => 1, Symbol('s')];
      for (const payload of bad) {
        try {
          ab.write(payload);
        } catch (error) {
          assert(
            error instanceof Error,
            `write threw a non-Error for ${typeof payload}: ${show(String(error))}`,
          );
        }
      }
      // A function-valued property is not JSON: it is dropped like JSON.stringify does, or the write throws.
      try {
        ab.write({ t: 'fn', keep: 1, f: () => 1 });
      } catch (error) {
        assert(error instanceof Error, 'write threw a non-Error for an object with a function');
      }
      ab.write({ t: 'after-malformed' });
      await arrival(sb, 'after-malformed');
      for (const { payload } of sb.tagged('fn'))
        assertEqual(payload, { t: 'fn', keep: 1 }, 'the function-bearing message');
      for (const { payload } of sb.received) {
        assert(
          JSON.stringify(JSON.parse(JSON.stringify(payload))) === JSON.stringify(payload),
          'only JSON arrives',
        );
      }
      assertEqual(
        sb.tagged('cyclic').length + sb.tagged('bigint').length,
        0,
        'unencodable messages received',
      );
    });

    it('peers are discovered (onPeer) or reachable by address alone', async () => {
      const pair = await makeTransportPair();
      try {
        const sa = new Recorder(pair.aAddress);
        const sb = new Recorder(pair.bAddress);
        const seenByA: string[] = [];
        const seenByB: string[] = [];
        const offA = pair.a.onPeer?.((address) => seenByA.push(address));
        const offB = pair.b.onPeer?.((address) => seenByB.push(address));
        assert(!pair.a.onPeer === !pair.b.onPeer, 'both transports of one kind support onPeer, or neither');
        await pair.a.open(sa);
        await pair.b.open(sb);
        if (offA && offB) {
          assertEqual(typeof offA, 'function', 'onPeer returns an unsubscribe function');
          await waitFor(() => seenByA.includes(pair.bAddress), timeoutMs, 'a to discover b');
          await waitFor(() => seenByB.includes(pair.aAddress), timeoutMs, 'b to discover a');
          assert(!seenByA.includes(pair.aAddress), 'a does not report itself');
          assert(!seenByB.includes(pair.bAddress), 'b does not report itself');
          offA();
          offB();
        }
        // Whatever the discovery, a peer's address is enough to reach it.
        await deliverEventually(pair.a.createInstance(pair.bAddress), sb, 'by-address');
        assertEqual(sb.tagged('by-address')[0]?.from, pair.aAddress, 'sender address');
      } finally {
        await pair.close();
      }
    });

    test('a closed peer is reported gone (onPeerGone), when supported', async ({ pair }) => {
      assert(
        !pair.a.onPeerGone === !pair.b.onPeerGone,
        'both transports of one kind support onPeerGone, or neither',
      );
      if (!pair.a.onPeerGone) return; // the adapter reports no departures: nothing to check
      const gone: string[] = [];
      const off = pair.a.onPeerGone((address) => gone.push(address));
      assertEqual(typeof off, 'function', 'onPeerGone returns an unsubscribe function');
      await nextTurn(0);
      assertEqual(gone, [], 'peers reported gone while both ends are open');
      await pair.b.close();
      await waitFor(() => gone.includes(pair.bAddress), timeoutMs, 'a to hear that b is gone');
      assert(!gone.includes(pair.aAddress), 'a does not report itself gone');
      off();
    });

    test('the declared maximum: a message of exactly maxMessageChars arrives, a larger one is refused (TOO_LARGE)', async ({
      pair,
      sa,
      sb,
      ab,
      through,
    }) => {
      const max = pair.a.maxMessageChars;
      if (max === undefined) return; // no declared maximum beyond the node's own
      assert(Number.isSafeInteger(max) && max > 0, `maxMessageChars is a positive integer, not ${max}`);
      if (max > LARGEST_TESTED_MAX) return;
      ab.write(payloadOfLength('at-max', max));
      await arrival(sb, 'at-max');
      // Refused at the sender: reported on its sink (write() does not throw), and nothing is sent.
      ab.write(payloadOfLength('over-max', max + 1));
      await waitFor(() => sa.errorsWith('TOO_LARGE').length > 0, timeoutMs, 'a TOO_LARGE report at a');
      const error = sa.errorsWith('TOO_LARGE')[0];
      assert(isTransportError(error, 'TOO_LARGE'), `a TransportError, not ${show(String(error))}`);
      assertEqual(error?.peer, pair.bAddress, 'the peer the refused message was for');
      await through('after-over-max');
      assertEqual(sb.tagged('over-max').length, 0, 'oversized messages received');
    });

    test('undecodable frames are reported (UNDECODABLE), never reach gotData, and the link survives', async ({
      pair,
      sb,
      through,
    }) => {
      const wire = pair.wire;
      if (!wire) return; // no raw access to this wire
      const before = sb.received.length;
      let carried = 0;
      for (const frame of NON_JSON_TEXT) if (await wire.inject('b', frame)) carried++;
      assertEqual(carried, NON_JSON_TEXT.length, 'text frames the wire carries');
      for (const frame of wire.garbage ?? []) if (await wire.inject('b', frame)) carried++;
      await waitFor(
        () => sb.errorsWith('UNDECODABLE').length >= carried,
        timeoutMs,
        `${carried} UNDECODABLE reports at b`,
      );
      for (const error of sb.errors)
        assert(
          isTransportError(error, 'UNDECODABLE'),
          `an UNDECODABLE TransportError: ${show(String(error))}`,
        );
      await through('after-garbage');
      assertEqual(sb.received.length - before, 1, 'messages received besides the one sent after the garbage');
      assertEqual(sb.errors.length, carried, 'errors reported: one per undecodable frame');
    });

    test('oversized incoming frames are reported (TOO_LARGE) and dropped; one of exactly the maximum passes', async ({
      pair,
      sb,
      through,
    }) => {
      const wire = pair.wire;
      const max = pair.b.maxMessageChars;
      if (!wire || max === undefined || max > LARGEST_TESTED_MAX) return;
      assert(await wire.inject('b', wire.encode('b', payloadOfLength('raw-at-max', max))), 'frame carried');
      await arrival(sb, 'raw-at-max');
      assertEqual(sb.tagged('raw-at-max')[0]?.from, pair.aAddress, 'sender of a frame from a');
      const before = sb.received.length;
      await wire.inject('b', wire.encode('b', payloadOfLength('raw-over-max', max + 1)));
      await waitFor(() => sb.errorsWith('TOO_LARGE').length > 0, timeoutMs, 'a TOO_LARGE report at b');
      assert(isTransportError(sb.errors[0], 'TOO_LARGE'), 'a TransportError');
      await through('after-oversized');
      assertEqual(sb.tagged('raw-over-max').length, 0, 'oversized frames delivered');
      assertEqual(sb.received.length - before, 1, 'messages received besides the one sent after');
      assertEqual(sb.errors.length, 1, 'errors reported');
    });

    test('reconnect: a new transport for the same address receives again', async ({ pair, sa, sb, ab }) => {
      await pair.b.close();
      ab.write({ t: 'while-closed' });
      if (!pair.reopenB) return; // the adapter cannot reopen an address: closing is covered above
      const b2 = await pair.reopenB();
      const sb2 = new Recorder(pair.bAddress);
      await b2.open(sb2);
      // The instance made before the reconnect still reaches the address, and the new end answers.
      await deliverEventually(ab, sb2, 'again');
      await deliverEventually(b2.createInstance(pair.aAddress), sa, 'answer');
      for (let n = 0; n < 20; n++) ab.write({ t: 'order-again', n });
      await arrival(sb2, 'order-again', 20);
      assertEqual(
        sb2.tagged('order-again').map((r) => (r.payload as { n: number }).n),
        Array.from({ length: 20 }, (_, n) => n),
        'order on the re-established link',
      );
      assertEqual(
        sb.tagged('again').length + sb.tagged('order-again').length,
        0,
        'messages the closed end got',
      );
      await b2.close();
    });
  });
}
