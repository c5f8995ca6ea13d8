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
 */
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

/** A sink that records what it receives. */
class Recorder implements MessageSink {
  readonly received: Received[] = [];
  constructor(readonly address: string) {}
  gotData(from: string, payload: unknown): void {
    this.received.push({ from, payload });
  }
  /** Messages whose payload has `t === tag`. */
  tagged(tag: string): Received[] {
    return this.received.filter((r) => (r.payload as { t?: unknown } | null)?.t === tag);
  }
}

/** A 1 MiB string of mixed widths: ASCII, two-byte, three-byte and astral (surrogate pair) characters. */
const bigString = (): string => 'abcdefgh-é€😀'.repeat(Math.ceil((1 << 20) / 14)).slice(0, 1 << 20);

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
        await body({ pair, sa, sb, ab, ba, quiet });
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

    test('a 1 MB message is delivered', async ({ sb, ab }) => {
      const s = bigString();
      ab.write({ t: 'large', s });
      await arrival(sb, 'large');
      assert(
        (sb.tagged('large')[0]?.payload as { s?: unknown } | undefined)?.s === s,
        'the 1 MB string arrives intact',
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
