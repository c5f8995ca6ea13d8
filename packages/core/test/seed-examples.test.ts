/**
 * Every example of the seed's README (the original webraft design) runs against @webraft/core with only the
 * import path changed (packages/core/README.md, API). Only the README's placeholders are replaced, by
 * in-memory stand-ins:
 * - `GenericSocket` (an EventEmitter-like socket: `write(string)`, `on('message' | 'close')`),
 * - `fetch('https://host/...')`, `localStorage` / `window.localStorage` (a Map), `jsonPatch`,
 *   `snapshot` (an async store), `alert`, `console`, a component's `this.setState`,
 * - the bodies the README leaves as `// ...` (`createInstance`, `write`).
 * The one addition to the README's code is the `peers` option: the seed had no way to bootstrap a
 * cluster, and a node cannot form one without knowing its initial voters.
 *
 * Each node is a "machine" (a closure) with its own globals, as separate browser tabs or processes
 * would have. Nodes run on real timers; the test waits on events and promises, never on sleeps.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NodeInstance, type RaftError, RaftInterface, type RaftOptions } from '../src/index.js';

type Handler = (...args: never[]) => void;
declare function setImmediate(callback: () => void): unknown;

const PEERS = ['a', 'b', 'c'];
/** Generous: an election takes well under a second; a loaded CI machine may be slow. */
const PATIENCE_MS = 4_000;

/** Resolves with the first call of `register`'s callback; rejects after `ms` with `what`. */
function waitFor<T extends unknown[]>(
  what: string,
  register: (done: (...args: T) => void) => void,
  ms = PATIENCE_MS,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((...args: T) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/** `promise`, or a rejection after `ms` if it has not settled by then. */
function within<T>(what: string, promise: Promise<T>, ms = PATIENCE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// ------------------------------------------------------------------------------------------------
// The in-memory network behind the stand-ins.

interface SocketEnd {
  local: string;
  remote: string;
  emit(event: 'message', data: string): void;
}

/**
 * Links socket ends by (local, remote) address pairs and delivers each write on a later turn of the
 * event loop (the README: interaction between nodes in one process must be asynchronous). A node opens
 * its end to a peer when it first sends to it; what arrives before that goes to the receiving node's
 * `RaftInterface.gotData(from, payload)`, the README's other way in, as a server accepting a
 * connection would hand it over. `isolate` drops everything to and from an address, as a cut would.
 */
class MemoryNet {
  private readonly ends = new Map<string, SocketEnd>();
  private readonly sinks = new Map<string, RaftInterface>();
  private readonly isolated = new Set<string>();
  /** Every message, decoded: [time, from, to, payload]. */
  readonly trace: [number, string, string, Record<string, unknown>][] = [];
  /** Called with every message as it is sent. */
  onMessage: ((from: string, to: string, payload: Record<string, unknown>) => void) | null = null;

  open(end: SocketEnd): void {
    this.ends.set(`${end.local}>${end.remote}`, end);
  }

  /** Where `address` accepts what arrives outside an open socket end. */
  register(raft: RaftInterface): void {
    this.sinks.set(raft.address, raft);
  }

  /** A write on the end (from -> to): reaches the end (to -> from), or `to`'s RaftInterface. */
  write(from: string, to: string, data: string): void {
    if (!this.sent(from, to, data)) return;
    setImmediate(() => {
      if (this.isolated.has(from) || this.isolated.has(to)) return;
      const end = this.ends.get(`${to}>${from}`);
      if (end) end.emit('message', data);
      else this.sinks.get(to)?.gotData(from, JSON.parse(data));
    });
  }

  /** For transports without sockets: straight to `to`'s `RaftInterface.gotData(from, payload)`. */
  post(from: string, to: string, data: string): void {
    if (!this.sent(from, to, data)) return;
    setImmediate(() => {
      if (this.isolated.has(from) || this.isolated.has(to)) return;
      this.sinks.get(to)?.gotData(from, JSON.parse(data));
    });
  }

  private sent(from: string, to: string, data: string): boolean {
    if (this.isolated.has(from) || this.isolated.has(to)) return false;
    const payload = JSON.parse(data) as Record<string, unknown>;
    this.trace.push([performance.now(), from, to, payload]);
    this.onMessage?.(from, to, payload);
    return true;
  }

  isolate(address: string): void {
    this.isolated.add(address);
  }
  heal(): void {
    this.isolated.clear();
  }
}

/** The README's `snapshot`: an asynchronous store (say, IndexedDB) of the state and its position. */
class SnapshotStore {
  state: Record<string, unknown> = {};
  readonly meta = new Map<string, unknown>();
  /** Transient failures to inject into `applyCommand` (the example retries them). */
  failNext = 0;
  applyCommand(command: unknown): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('transient write failure'));
    }
    return Promise.resolve().then(() => {
      this.state = { ...this.state, ...(command as Record<string, unknown>) };
    });
  }
  set(key: string, value: unknown): Promise<void> {
    return Promise.resolve().then(() => void this.meta.set(key, value));
  }
  copy(): SnapshotStore {
    const c = new SnapshotStore();
    c.state = structuredClone(this.state);
    for (const [k, v] of this.meta) c.meta.set(k, v);
    return c;
  }
}

/** A Map-backed `localStorage` (values are stored as strings, as the real one does). */
class MapStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: unknown): void {
    this.map.set(key, String(value));
  }
}

/** What the test can see of one machine. */
interface Machine {
  address: string;
  inst: RaftInterface;
  /** Example 4, run on this machine. */
  proposeLikeTheReadme(): void;
  alerts: string[];
  onAlert: (() => void) | null;
  consoleErrors: unknown[];
  /** The component state example 5 sets on every `updated`. */
  setStates: Record<string, unknown>[];
  /** The README's `snapshot` variable (example 2 machines). */
  readonly snapshot: SnapshotStore;
  localStorage: MapStorage;
  /** Sockets this machine opened, by remote address. */
  sockets: Map<string, { close(): void }>;
  refreshes: number;
  fetches: string[];
}

/**
 * One machine: its own globals (socket library, storage, fetch, alert, console) and the README's code.
 * `style` picks which README persistence example the machine runs: 2 (`inst.listen(...)` outside) or 3
 * (`MyGreatRaftInterface`, listeners in the constructor).
 */
function machine(
  net: MemoryNet,
  address: string,
  style: 2 | 3,
  extraOptions: RaftOptions = {},
  host: { latest(): SnapshotStore } = { latest: () => new SnapshotStore() },
): Machine {
  const sockets = new Map<string, GenericSocket>();
  const seen: Machine = {
    address,
    inst: undefined as unknown as RaftInterface,
    proposeLikeTheReadme: () => undefined,
    alerts: [],
    onAlert: null,
    consoleErrors: [],
    setStates: [],
    get snapshot() {
      return snapshot;
    },
    localStorage: new MapStorage(),
    sockets,
    refreshes: 0,
    fetches: [],
  };

  // ---- stand-ins for this machine's globals

  /** The README's `GenericSocket`: a connection from this machine to `remote`. */
  class GenericSocket {
    readonly local = address;
    private readonly handlers = new Map<string, Handler[]>();
    constructor(
      readonly remote: string,
      readonly options: { port: number },
    ) {
      sockets.set(remote, this);
      net.open(this);
    }
    on(event: 'message', handler: (payload: string) => void): void;
    on(event: 'close', handler: () => void): void;
    on(event: string, handler: Handler): void {
      this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    }
    emit(event: string, ...args: unknown[]): void {
      for (const h of this.handlers.get(event) ?? []) (h as (...a: unknown[]) => void)(...args);
    }
    write(data: string): void {
      net.write(this.local, this.remote, data);
    }
    close(): void {
      setImmediate(() => this.emit('close'));
    }
  }

  const localStorage = seen.localStorage;
  const window = { localStorage };
  // The app starts from an empty document (the README reads it before writing it).
  localStorage.setItem('data', JSON.stringify({}));
  let failFetch = 1; // the first fetch fails: the README's examples retry
  const fetch = (url: string): Promise<unknown> => {
    seen.fetches.push(url);
    if (failFetch-- > 0) return Promise.reject(new Error('network error'));
    const latest = host.latest();
    if (url === 'https://host/api/latest') {
      return Promise.resolve(
        JSON.stringify({
          state: JSON.stringify(latest.state),
          term: latest.meta.get('term'),
          index: latest.meta.get('index'),
        }),
      );
    }
    return Promise.resolve(latest.copy());
  };
  /** A tiny JSON merge patch: enough for the README's `{key: 'value'}` commands. */
  const jsonPatch = {
    apply(state: Record<string, unknown>, patch: unknown): void {
      Object.assign(state, patch);
    },
  };
  const alert = (text: string) => {
    seen.alerts.push(text);
    seen.onAlert?.();
  };
  const console = { error: (e: unknown) => seen.consoleErrors.push(e) };
  let snapshot = new SnapshotStore();
  snapshot.failNext = 1; // one transient failure: the README's `update` retries it

  // ---- README example 1 (verbatim but for types)

  class FooRaftNode extends NodeInstance {
    socket: GenericSocket;
    constructor(address: string, raft: FooRaft) {
      // If you define a custom constructor, you must call `super()` and pass
      // all parameters: address and raft
      super(address, raft);
      // Perform your means of setting up the connection, or linking to an
      // existing connection.
      this.socket = new GenericSocket(address, { port: 1234 });
      // We're all friends here. We can just assume that you handle errors
      // and all of the important stuff.

      // Call `gotData()` with any data that you receive.
      // If you handle incoming messages somewhere else, you can call
      // `gotData('from address', payload)` on the RaftInterface.
      this.socket.on('message', (payload) => this.gotData(JSON.parse(payload)));
      this.socket.on('close', () => (this.raft as FooRaft).leave(this.address));
    }

    // Implement a `write()` method. It will be given a single parameter,
    // which contains a JSON-serializable object. Serialization is left up to
    // you, because who am I to tell you how to serialize your data.
    write(payload: unknown) {
      this.socket.write(JSON.stringify(payload));
    }
  }

  class FooRaft extends RaftInterface {
    // Just define a `createInstance()` method that returns your custom
    // NodeInstance objects. You can even use class expressions if you want.
    override createInstance(address: string) {
      return new FooRaftNode(address, this);
    }

    // You can add a custom constructor to this object, but remember to
    // call `super()`!
  }

  // The README's "MyRaftInterface" stands for "your RaftInterface implementation": FooRaft, on this
  // machine's address. (Addition: `peers`.)
  class MyRaftInterface extends FooRaft {
    constructor() {
      super(address, { peers: PEERS, ...extraOptions });
    }
  }

  if (style === 2) {
    // ---- README example 2
    const inst = new MyRaftInterface();
    inst.listen('apply', (entry, index, cb) => {
      const update = () => {
        Promise.all([
          snapshot.applyCommand(entry.command),
          snapshot.set('term', entry.term),
          snapshot.set('index', index),
        ]).then(() => cb(), update);
      };
      update();
    });
    inst.listen('refresh', (cb) => {
      seen.refreshes++;
      const refresh = (): Promise<void> =>
        fetch('https://host/snapshot').then((content) => {
          snapshot = content as SnapshotStore;
          cb();
        }, refresh);
      refresh();
    });
    seen.inst = inst;
  } else {
    // ---- README example 3
    class MyGreatRaftInterface extends RaftInterface {
      constructor(address: string) {
        super(address, { peers: PEERS, ...extraOptions }); // addition: `peers`

        this.listen('apply', (entry, index, cb) => {
          const state = JSON.parse(localStorage.getItem('data')!);
          // The README has `data.command` here: `data` is defined nowhere (a ReferenceError that would
          // stop the node). It means the entry's command.
          jsonPatch.apply(state, entry.command);
          localStorage.setItem('data', JSON.stringify(state));
          localStorage.setItem('term', entry.term);
          localStorage.setItem('index', index);
          // ... code to push to server, if needed ...
          cb();
        });
        this.listen('refresh', (cb) => {
          seen.refreshes++;
          // As in the README, `refresh` is defined but never called (so `cb` would never be called:
          // a node of this style that falls behind a compaction would wait forever). This test never
          // lets a node of this style fall behind.
          const _refresh = (): Promise<void> =>
            fetch('https://host/api/latest').then(
              (resp) => {
                const parsed = JSON.parse(resp as string);
                window.localStorage.setItem('data', parsed.state);
                window.localStorage.setItem('term', parsed.term);
                window.localStorage.setItem('index', parsed.index);
                cb(parsed.term, parsed.index);
              },
              (): Promise<void> => _refresh(),
            );
        });
      }
      override createInstance(address: string) {
        return new FooRaftNode(address, this);
      }
    }
    seen.inst = new MyGreatRaftInterface(address);
  }
  net.register(seen.inst);

  // ---- README example 4, run when the test says so
  const instance = seen.inst;
  seen.proposeLikeTheReadme = () => {
    instance.propose({ key: 'value' }).then(
      () => alert('Committed!'),
      (err) => console.error(err),
    );
  };

  // ---- README example 5: a component that re-renders on every commit
  const myDataStore = {
    get state(): unknown {
      return style === 2 ? snapshot.state : JSON.parse(localStorage.getItem('data')!);
    },
  };
  class Component {
    setState(partial: Record<string, unknown>): void {
      seen.setStates.push(partial);
    }
    componentDidMount(inst: RaftInterface): void {
      inst.listen('updated', () => this.setState({ dataFromRaft: myDataStore.state }));
    }
  }
  new Component().componentDidMount(seen.inst);

  return seen;
}

/** Error events of every node, to assert there were none. */
function collectErrors(nodes: RaftInterface[]): string[] {
  const errors: string[] = [];
  for (const n of nodes) n.listen('error', (e: RaftError) => errors.push(`${n.address}: ${e.message}`));
  return errors;
}

const running: RaftInterface[] = [];
afterEach(async () => {
  await within('the nodes to stop', Promise.all(running.splice(0).map((n) => n.stop())));
  vi.restoreAllMocks();
});

async function startAll(nodes: RaftInterface[]): Promise<string> {
  running.push(...nodes);
  const elected = waitFor<[string]>('a leader', (done) => {
    for (const n of nodes) n.listen('leader', () => done(n.address));
  });
  await Promise.all(nodes.map((n) => n.start()));
  const [leader] = await elected;
  return leader;
}

describe('the seed README examples', () => {
  it('examples 1 to 5: sockets, apply and refresh listeners, propose, updated', async () => {
    const net = new MemoryNet();
    const a = machine(net, 'a', 2);
    const b = machine(net, 'b', 3);
    const c = machine(net, 'c', 2);
    const machines = [a, b, c];
    const nodes = machines.map((m) => m.inst);
    const errors = collectErrors(nodes);
    const updated = nodes.map((n) =>
      waitFor<[number]>(`'updated' on ${n.address}`, (done) => n.listen('updated', done)),
    );

    const leader = await startAll(nodes);
    expect(PEERS).toContain(leader);

    // Example 4 on a (leader or not: a follower forwards the proposal to the leader).
    const committed = waitFor<[]>('the proposal to commit', (done) => {
      a.onAlert = done;
    });
    a.proposeLikeTheReadme();
    await committed;
    expect(a.alerts).toEqual(['Committed!']);
    expect(a.consoleErrors).toEqual([]);

    // `updated` fired on every node (after its apply listeners called back).
    const indexes = (await Promise.all(updated)).map(([index]) => index);
    const index = indexes[0]!;
    expect(indexes).toEqual([index, index, index]);
    const term = nodes.find((n) => n.address === leader)!.term;
    expect(index).toBeGreaterThan(0);

    // Every node's apply listener saw the command with its term and index, and persisted it.
    for (const m of [a, c]) {
      expect(m.snapshot.state, m.address).toEqual({ key: 'value' });
      expect(m.snapshot.meta.get('term'), m.address).toBe(term);
      expect(m.snapshot.meta.get('index'), m.address).toBe(index);
      expect(m.snapshot.failNext, `${m.address} retried its failed write`).toBe(0);
    }
    expect(JSON.parse(b.localStorage.getItem('data')!)).toEqual({ key: 'value' });
    expect(b.localStorage.getItem('term')).toBe(String(term));
    expect(b.localStorage.getItem('index')).toBe(String(index));

    // Example 5: the component re-rendered with the committed state on every node.
    for (const m of machines) expect(m.setStates, m.address).toEqual([{ dataFromRaft: { key: 'value' } }]);

    // Everyone agrees on the leader, the term and the commit index.
    for (const n of nodes) {
      expect(n.leader, n.address).toBe(leader);
      expect(n.term, n.address).toBe(term);
      expect(n.lastApplied, n.address).toBeGreaterThanOrEqual(index);
    }
    // The messages went through the README's sockets: the leader opened one to each peer.
    const leaderMachine = machines.find((m) => m.address === leader)!;
    expect([...leaderMachine.sockets.keys()].sort()).toEqual(PEERS.filter((p) => p !== leader));
    for (const m of machines) expect(m.sockets.size, m.address).toBeGreaterThan(0);
    expect(a.refreshes + b.refreshes + c.refreshes).toBe(0);
    expect(errors).toEqual([]);

    // Example 1's 'close' handler: a closed connection makes the node `leave` that peer. The others see
    // the `leave` event once the configuration change is applied.
    const gone = PEERS.find((p) => p !== leader)!;
    const remaining = machines.filter((m) => m.address !== gone);
    const left = remaining.map((m) =>
      waitFor<[string]>(`'leave' on ${m.address}`, (done) =>
        m.inst.listen('leave', (address) => address === gone && done(address)),
      ),
    );
    leaderMachine.sockets.get(gone)!.close();
    await Promise.all(left);
    for (const m of remaining) {
      expect(m.inst.members.voters.sort(), m.address).toEqual(PEERS.filter((p) => p !== gone));
    }
    expect(errors).toEqual([]);
  });

  it("example 2's refresh listener reloads a node that fell behind a compaction", async () => {
    const net = new MemoryNet();
    // Test tuning, not part of the seed's API: compact every 5 applied entries, keep none, so that a
    // node that misses 10 entries must be sent a snapshot (which raises `refresh`). The leader then
    // compacts at 5 and 10; `last` lands at 12 and reaches the lagging node as an entry (next
    // compaction at 15), through its apply listener.
    const tuning: RaftOptions = { snapshotThreshold: 5, snapshotTrailingEntries: 0 };
    let leaderMachine: Machine | undefined;
    const host = { latest: () => leaderMachine!.snapshot };
    const machines = PEERS.map((p) => machine(net, p, 2, tuning, host));
    const nodes = machines.map((m) => m.inst);
    const errors = collectErrors(nodes);
    const leader = await startAll(nodes);
    leaderMachine = machines.find((m) => m.address === leader)!;
    const lagging = machines.find((m) => m.address !== leader)!;

    net.isolate(lagging.address);
    for (let i = 0; i < 10; i++) await within(`proposal ${i}`, leaderMachine.inst.propose({ [`k${i}`]: i }));
    expect(leaderMachine.inst.raftNode.protocol.log.snapshotIndex).toBeGreaterThan(lagging.inst.lastApplied);

    const caughtUp = waitFor<[]>('the lagging node to apply the last command', (done) =>
      lagging.inst.listen('updated', () => lagging.snapshot.state.last === true && done()),
    );
    net.heal();
    await within('a proposal after the heal', leaderMachine.inst.propose({ last: true }));
    await caughtUp;

    expect(lagging.refreshes).toBe(1);
    // The README's refresh retried the failed fetch, then replaced its `snapshot` with the fetched one.
    expect(lagging.fetches).toEqual(['https://host/snapshot', 'https://host/snapshot']);
    expect(lagging.snapshot.state).toEqual(leaderMachine.snapshot.state);
    expect(Object.keys(lagging.snapshot.state)).toHaveLength(11);
    expect(errors).toEqual([]);
  });

  describe('examples 6 and 7: events and the timing getters', () => {
    /** Examples 6 and 7 on `net`; `write()` hands messages to the peer's RaftInterface.gotData(from, payload). */
    function timingClasses(net: MemoryNet) {
      // ---- README example 7 (the `// ...` bodies filled in)
      class MyRaftInstance extends RaftInterface {
        override createInstance(address: string) {
          return new MyNodInstance(address, this);
        }

        /**
         * Returns the timeout for an election in ms.
         * Defaults to 150 to 300ms.
         * This should be greater than `heartbeatTimeout`.
         * @return {int} Milliseconds an election should time out in
         */
        override get electionTimeout() {
          return Math.random() * 150 + 150;
        }

        /**
         * Returns how often the leader should send a heartbeat in ms.
         * @return {int} Milliseconds between each heartbeat sent
         */
        override get heartbeatFrequency() {
          return 100;
        }

        /**
         * Returns how long the client should wait before starting an election
         * because the leader disappeared in ms.
         * If this is not greater than what's returned by `heartbeatFrequency`,
         * you're going to have a bad time.
         * @return {int} Milliseconds to wait for a heartbeat
         */
        override get heartbeatTimeout() {
          return 200;
        }
      }

      class MyNodInstance extends NodeInstance {
        write(payload: unknown) {
          net.post(this.raft.address, this.address, JSON.stringify(payload));
        }

        override get messageTimeout() {
          return 3000; // milliseconds
        }
      }
      return { MyRaftInstance, MyNodInstance };
    }

    it('the overridden electionTimeout, heartbeatFrequency and heartbeatTimeout are used', async () => {
      const net = new MemoryNet();
      const { MyRaftInstance } = timingClasses(net);
      const electionTimeout = vi.spyOn(MyRaftInstance.prototype, 'electionTimeout', 'get');
      const heartbeatFrequency = vi.spyOn(MyRaftInstance.prototype, 'heartbeatFrequency', 'get');
      const heartbeatTimeout = vi.spyOn(MyRaftInstance.prototype, 'heartbeatTimeout', 'get');

      const logs: unknown[][] = [];
      const started = new Map<string, number>();
      const timedOut = new Map<string, number>();
      const nodes = PEERS.map((address) => {
        // ---- README example 6 (`new MyRaftInstance()`: it needs its address, and `peers` is the addition;
        // 'type' is the README's placeholder for an event name)
        const console = { log: (...args: unknown[]) => logs.push([address, ...args]) };
        const instance = new MyRaftInstance(address, { peers: PEERS });
        instance.listen('state changed', (arg1, arg2) => console.log(arg1, arg2));
        instance.listen('heartbeat timeout', () => {
          if (!timedOut.has(address)) timedOut.set(address, performance.now());
        });
        net.register(instance);
        started.set(address, performance.now());
        return instance;
      });
      const errors = collectErrors(nodes);
      const leader = await startAll(nodes);

      // The getters were read: the timeouts when each node started, the election timeout by candidates.
      const contexts = (spy: { mock: { contexts: unknown[] } }) =>
        new Set(spy.mock.contexts.map((n) => (n as RaftInterface).address));
      expect(contexts(heartbeatTimeout)).toEqual(new Set(PEERS));
      expect(contexts(heartbeatFrequency)).toEqual(new Set(PEERS));
      expect(contexts(electionTimeout)).toContain(leader);
      for (const r of electionTimeout.mock.results) {
        expect(r.type).toBe('return');
        expect(r.value).toBeGreaterThanOrEqual(150);
        expect(r.value).toBeLessThan(300);
      }
      expect(heartbeatFrequency.mock.results.every((r) => r.value === 100)).toBe(true);
      expect(heartbeatTimeout.mock.results.every((r) => r.value === 200)).toBe(true);

      // ...and took effect: nobody timed out sooner than heartbeatTimeout (200 ms) after starting...
      expect(timedOut.has(leader)).toBe(true);
      for (const [address, at] of timedOut)
        expect(at - started.get(address)!, address).toBeGreaterThanOrEqual(190);
      // ...and the leader's heartbeats to a follower are heartbeatFrequency (100 ms) apart.
      const follower = PEERS.find((p) => p !== leader)!;
      const times: number[] = [];
      await waitFor<[]>('four heartbeats', (done) => {
        net.onMessage = (from, to, m) => {
          if (
            from === leader &&
            to === follower &&
            m.type === 'heartbeat' &&
            times.push(performance.now()) === 4
          )
            done();
        };
      });
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(90);

      // Example 6's listener logged the role changes, with (new, previous) as its two arguments.
      expect(logs).toContainEqual([leader, 'leader', 'candidate']);
      for (const entry of logs) expect(entry).toHaveLength(3);

      // A proposal from a follower commits through this transport too.
      const result = await within(
        'a forwarded proposal',
        nodes.find((n) => n.address === follower)!.propose({ x: 1 }),
      );
      expect(result.index).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    });

    it('the overridden NodeInstance messageTimeout is read by the runtime', async () => {
      // The README lists messageTimeout with the values "Raft depends on"; the API keeps it as an
      // overridable getter. Overriding it must have an effect, so the runtime must read it.
      const net = new MemoryNet();
      const { MyRaftInstance, MyNodInstance } = timingClasses(net);
      const messageTimeout = vi.spyOn(MyNodInstance.prototype, 'messageTimeout', 'get');
      const nodes = PEERS.map((address) => {
        const instance = new MyRaftInstance(address, { peers: PEERS });
        net.register(instance);
        return instance;
      });
      const leader = await startAll(nodes);
      // Forward a proposal (a request that waits for an answer from a peer), and read through a follower.
      const follower = nodes.find((n) => n.address !== leader)!;
      await within('a forwarded proposal', follower.propose({ y: 2 }));
      await within('a read through a follower', follower.read());
      expect(messageTimeout.mock.calls.length, 'reads of messageTimeout').toBeGreaterThan(0);
    });
  });
});
