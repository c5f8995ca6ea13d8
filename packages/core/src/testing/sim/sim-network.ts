import type { RandomSource } from '../../runtime/clock.js';
import { type MessageSink, NodeInstance, type Transport } from '../../transport/types.js';
import type { VirtualClock } from './virtual-clock.js';

/** How unreliable the simulated network is. Probabilities are per message. */
export interface NetworkFaults {
  drop: number;
  duplicate: number;
  /** Delivery delay range in virtual ms; random delays reorder messages. */
  minDelay: number;
  maxDelay: number;
  /** Probability that a message is held back for a long time (the labs' "long reordering"). */
  longDelay: number;
  longDelayMin: number;
  longDelayMax: number;
}

export const RELIABLE: NetworkFaults = {
  drop: 0,
  duplicate: 0,
  minDelay: 1,
  maxDelay: 1,
  longDelay: 0,
  longDelayMin: 0,
  longDelayMax: 0,
};

/** The classic lab settings (docs/scenarios.md): 0-27 ms delay, 10% loss. */
export const UNRELIABLE: NetworkFaults = {
  drop: 0.1,
  duplicate: 0.02,
  minDelay: 0,
  maxDelay: 27,
  longDelay: 0,
  longDelayMin: 0,
  longDelayMax: 0,
};

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  bytes: number;
}

/**
 * A seeded network between simulated nodes: drops, duplicates, delays (and so reorders) messages, and
 * cuts links, one way or both. Every message is serialized as a real transport would.
 */
export class SimNetwork {
  faults: NetworkFaults;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, bytes: 0 };
  private readonly sinks = new Map<string, MessageSink>();
  /** Per open node, who listens for peers that said goodbye (`Transport.onPeerGone`). */
  private readonly goneListeners = new Map<string, Set<(address: string) => void>>();
  /** "from>to" links that drop everything. */
  private readonly cut = new Set<string>();
  /** Observes every delivery (tests use it to count or to intercept). Return false to drop it. */
  filter: ((from: string, to: string, payload: unknown) => boolean) | null = null;
  /** Sees every message as it is sent, before any fault applies (the invariant checker uses it). */
  onSend: ((from: string, to: string, payload: unknown) => void) | null = null;

  constructor(
    private readonly clock: VirtualClock,
    private readonly random: RandomSource,
    faults: NetworkFaults = RELIABLE,
  ) {
    this.faults = faults;
  }

  transport(address: string): Transport {
    const network = this;
    class SimInstance extends NodeInstance {
      write(payload: unknown): void {
        network.send(address, this.address, payload);
      }
    }
    let opened: MessageSink | null = null;
    return {
      open: (sink) => {
        opened = sink;
        this.sinks.set(address, sink);
        // A new incarnation: listeners of an earlier one (that crashed) are gone with it.
        this.goneListeners.set(address, new Set());
      },
      createInstance: (to) => {
        if (opened === null) throw new Error(`open() the transport for ${address} first`);
        return new SimInstance(to, opened);
      },
      onPeerGone: (listener) => {
        const set = this.goneListeners.get(address) ?? new Set();
        this.goneListeners.set(address, set);
        set.add(listener);
        return () => void set.delete(listener);
      },
      close: () => {
        this.detach(address);
        this.goneListeners.delete(address);
        // A goodbye, as a real transport says one when it is closed (a crash says nothing): the
        // others hear of it one network delay later.
        for (const [peer, listeners] of this.goneListeners)
          this.clock.setTimer(this.faults.minDelay, () => {
            if (this.sinks.has(peer)) for (const l of [...listeners]) l(address);
          });
      },
    };
  }

  /** The node is gone (crash): nothing is delivered to this incarnation any more. */
  detach(address: string): void {
    this.sinks.delete(address);
  }

  send(from: string, to: string, payload: unknown): void {
    const encoded = JSON.stringify(payload);
    this.onSend?.(from, to, payload);
    this.stats.sent++;
    this.stats.bytes += encoded.length;
    const f = this.faults;
    if (this.isCut(from, to) || this.random() < f.drop) {
      this.stats.dropped++;
      return;
    }
    const copies = this.random() < f.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = f.minDelay + this.random() * (f.maxDelay - f.minDelay);
      if (f.longDelay > 0 && this.random() < f.longDelay) {
        delay = f.longDelayMin + this.random() * (f.longDelayMax - f.longDelayMin);
      }
      this.clock.setTimer(delay, () => this.deliver(from, to, encoded));
    }
  }

  private deliver(from: string, to: string, encoded: string): void {
    // A link cut while the message was on its way loses it too.
    const sink = this.sinks.get(to);
    if (!sink || this.isCut(from, to)) {
      this.stats.dropped++;
      return;
    }
    const payload: unknown = JSON.parse(encoded);
    if (this.filter && !this.filter(from, to, payload)) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    sink.gotData(from, payload);
  }

  isCut(from: string, to: string): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  /** Cuts the link from `a` to `b` (and back unless `oneWay`). */
  disconnect(a: string, b: string, oneWay = false): void {
    this.cut.add(`${a}>${b}`);
    if (!oneWay) this.cut.add(`${b}>${a}`);
  }

  connect(a: string, b: string): void {
    this.cut.delete(`${a}>${b}`);
    this.cut.delete(`${b}>${a}`);
  }

  /** Splits the given nodes into groups that cannot reach each other. */
  partition(groups: string[][]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]!) for (const b of groups[j]!) this.cut.add(`${a}>${b}`);
      }
    }
  }

  isolate(node: string, all: string[]): void {
    for (const other of all) if (other !== node) this.disconnect(node, other);
  }

  heal(): void {
    this.cut.clear();
  }
}
