import { connect, createServer, type Server, type Socket } from 'node:net';
import { type MessageSink, NodeInstance, type Transport, TransportError } from '@webraft/core';
import type { MulticastDiscovery } from './multicast-discovery.js';

/** The largest payload carried by default, in JSON characters (the core's own limit on a message). */
export const DEFAULT_TCP_MAX_MESSAGE_CHARS = 8 * 1024 * 1024;

export interface TcpTransportOptions {
  /** The interface to listen on (use a loopback or private address: frames are not authenticated). */
  readonly host: string;
  readonly port: number;
  /** The largest payload carried, in JSON characters (default `DEFAULT_TCP_MAX_MESSAGE_CHARS`). */
  readonly maxMessageChars?: number;
  /** Finds peers by UDP multicast (the seed's discovery); started on `open`, closed with the transport. */
  readonly discovery?: MulticastDiscovery;
}

/** The `host:port` a TcpTransport listens on: its node's address (the seed's peers are written so). */
export const tcpAddress = (host: string, port: number): string => `${host}:${port}`;

/** `host:port` (the port after the last colon), or undefined when it is not one. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) return undefined;
  return { host: address.slice(0, colon), port };
}

/** A frame: one line `{"f":<sender>,"p":<payload>}` (JSON never contains a raw newline). */
const encodeFrame = (from: string, payloadJson: string): string =>
  `{"f":${JSON.stringify(from)},"p":${payloadJson}}\n`;
/** The characters a frame adds around its payload's JSON. */
const envelopeChars = (from: string): number => encodeFrame(from, '').length - 1;

class TcpInstance extends NodeInstance {
  readonly #transport: TcpTransport;
  #socket: Socket | undefined;

  constructor(address: string, sink: MessageSink, transport: TcpTransport) {
    super(address, sink);
    this.#transport = transport;
  }

  write(payload: unknown): void {
    if (this.#transport.closed) return;
    const json = JSON.stringify(payload);
    if (json === undefined) throw new Error('the payload is not JSON');
    if (json.length > this.#transport.maxMessageChars) {
      this.raft.reportError?.(
        new TransportError(
          `a message to ${this.address} is larger than ${this.#transport.maxMessageChars} characters`,
          undefined,
          'TOO_LARGE',
          this.address,
        ),
      );
      return;
    }
    this.#connected()?.write(encodeFrame(this.raft.address, json));
  }

  /** The connection to the peer, opened on first use and again after it failed (writes wait in it). */
  #connected(): Socket | undefined {
    if (this.#socket !== undefined) return this.#socket;
    const target = parseAddress(this.address);
    if (target === undefined) {
      this.raft.reportError?.(
        new TransportError(
          `${JSON.stringify(this.address)} is not host:port`,
          undefined,
          'SEND_FAILED',
          this.address,
        ),
      );
      return undefined;
    }
    const socket = connect(target);
    socket.setNoDelay(true);
    socket.on('error', (error) => {
      this.raft.reportError?.(
        new TransportError(`connection to ${this.address} failed`, error, 'CONNECTION', this.address),
      );
    });
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
    });
    this.#socket = socket;
    return socket;
  }

  override close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }
}

/**
 * A webraft `Transport` over TCP for Node, for the seed's `host:port` peers: it listens on
 * `host:port` (its node's address) and opens one connection per peer it sends to. Messages are lines of
 * JSON. It vouches for the framing only, not for who sent a frame: the sender's name is in the frame, so
 * run it on a trusted network (loopback, a private network or a tunnel).
 */
export class TcpTransport implements Transport {
  readonly maxMessageChars: number;
  readonly host: string;
  readonly port: number;
  closed = false;
  #sink: MessageSink | undefined;
  #server: Server | undefined;
  readonly #inbound = new Set<Socket>();
  readonly #instances = new Set<TcpInstance>();
  readonly #discovery: MulticastDiscovery | undefined;
  /**
   * The peers multicast discovery reports. Only there with the `discovery` option: without it this
   * transport discovers nothing, and says so by having no `onPeer` (peers are reached by address).
   */
  readonly onPeer?: (listener: (address: string) => void) => () => void;

  constructor(options: TcpTransportOptions) {
    if (typeof options?.host !== 'string' || options.host.length === 0)
      throw new TypeError('`host` must be a non-empty string');
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535)
      throw new TypeError('`port` must be an integer in [0, 65535]');
    this.host = options.host;
    this.port = options.port;
    this.maxMessageChars = options.maxMessageChars ?? DEFAULT_TCP_MAX_MESSAGE_CHARS;
    const discovery = options.discovery;
    this.#discovery = discovery;
    if (discovery !== undefined) this.onPeer = (listener) => discovery.onPeer(listener);
  }

  /** This transport's address, `host:port`. */
  get address(): string {
    return tcpAddress(this.host, this.port);
  }

  async open(sink: MessageSink): Promise<void> {
    this.#sink = sink;
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Announced only once listening, so a peer that hears of us can connect.
    await this.#discovery?.start(this.address, (error) => this.#report(error));
  }

  #report(error: TransportError): void {
    this.#sink?.reportError?.(error);
  }

  #accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.#inbound.add(socket);
    socket.setEncoding('utf8');
    // The longest line accepted: the payload limit plus an envelope with the longest sender name.
    const maxLine = this.maxMessageChars + envelopeChars('x'.repeat(256));
    let buffer = '';
    let skipping = false;
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (skipping) skipping = false;
        else this.#frame(line, maxLine);
      }
      if (buffer.length > maxLine) {
        // Drop an oversized frame as it streams in, without holding it; report it once.
        if (!skipping)
          this.#report(
            new TransportError(
              `a frame longer than ${maxLine} characters was dropped`,
              undefined,
              'TOO_LARGE',
            ),
          );
        skipping = true;
        buffer = '';
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#inbound.delete(socket));
  }

  #frame(line: string, maxLine: number): void {
    if (line.length > maxLine) {
      this.#report(
        new TransportError(`a frame longer than ${maxLine} characters was dropped`, undefined, 'TOO_LARGE'),
      );
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(line);
    } catch {
      frame = undefined;
    }
    const f = (frame as { f?: unknown } | undefined)?.f;
    if (
      typeof frame !== 'object' ||
      frame === null ||
      typeof f !== 'string' ||
      f.length === 0 ||
      f.length > 256 ||
      !('p' in frame)
    ) {
      this.#report(
        new TransportError('a frame that is not {"f","p"} JSON was dropped', undefined, 'UNDECODABLE'),
      );
      return;
    }
    if (line.length - envelopeChars(f) > this.maxMessageChars) {
      this.#report(
        new TransportError(
          `a message from ${f} larger than ${this.maxMessageChars} characters was dropped`,
          undefined,
          'TOO_LARGE',
          f,
        ),
      );
      return;
    }
    this.#sink?.gotData(f, (frame as { p: unknown }).p);
  }

  createInstance(address: string): NodeInstance {
    if (this.#sink === undefined) throw new Error('open() the transport before createInstance()');
    const instance = new TcpInstance(address, this.#sink, this);
    this.#instances.add(instance);
    return instance;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.#discovery?.close();
    for (const instance of this.#instances) instance.close();
    for (const socket of this.#inbound) socket.destroy();
    const server = this.#server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
