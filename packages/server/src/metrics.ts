/** Why the server dropped a frame instead of relaying it (the `reason` label of webraft_drops_total). */
export type DropReason =
  | 'undecodable' // not JSON, not an object, a binary frame
  | 'invalid' // a frame that fails the protocol's validation
  | 'spoofed' // names a sender other than the connection's identity
  | 'unknown_peer' // for a node id not in the room (on any relay)
  | 'rate_messages' // past the connection's message rate
  | 'rate_bytes' // past the connection's byte rate
  | 'too_large' // larger than --max-frame (the connection is closed: ws reads no further)
  | 'slow_consumer'; // the receiver's send buffer is full

/** Why a connection was refused or ended by the server. */
export type RejectReason = 'origin' | 'bad_request' | 'auth' | 'forbidden' | 'capacity';
export type DisconnectReason = 'dead' | 'slow_consumer' | 'replaced' | 'too_large' | 'shutdown';

/** The server's counters and gauges, rendered in the Prometheus text format by `render()`. */
export class Metrics {
  connections = 0;
  rooms = 0;
  connectionsTotal = 0;
  messagesRelayed = 0;
  bytesRelayed = 0;
  signalsRelayed = 0;
  /** Frames received from or published to other relays through Redis. */
  redisIn = 0;
  redisOut = 0;
  readonly drops = new Map<DropReason, number>();
  readonly rejects = new Map<RejectReason, number>();
  readonly disconnects = new Map<DisconnectReason, number>();

  drop(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }
  reject(reason: RejectReason): void {
    this.rejects.set(reason, (this.rejects.get(reason) ?? 0) + 1);
  }
  disconnect(reason: DisconnectReason): void {
    this.disconnects.set(reason, (this.disconnects.get(reason) ?? 0) + 1);
  }

  render(): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, values: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of values) lines.push(`${name}${labels} ${value}`);
    };
    const labelled = (label: string, map: Map<string, number>): [string, number][] =>
      [...map].map(([key, value]) => [`{${label}="${key}"}`, value]);
    metric('webraft_connections', 'gauge', 'Open client connections on this relay.', [
      ['', this.connections],
    ]);
    metric('webraft_rooms', 'gauge', 'Rooms with at least one client on this relay.', [['', this.rooms]]);
    metric('webraft_connections_total', 'counter', 'Client connections accepted.', [
      ['', this.connectionsTotal],
    ]);
    metric('webraft_messages_relayed_total', 'counter', 'Messages delivered to a client.', [
      ['', this.messagesRelayed],
    ]);
    metric('webraft_bytes_relayed_total', 'counter', 'Bytes of frames delivered to clients.', [
      ['', this.bytesRelayed],
    ]);
    metric('webraft_signals_relayed_total', 'counter', 'WebRTC signals delivered to a client.', [
      ['', this.signalsRelayed],
    ]);
    metric('webraft_redis_frames_total', 'counter', 'Frames exchanged with other relays through Redis.', [
      ['{direction="in"}', this.redisIn],
      ['{direction="out"}', this.redisOut],
    ]);
    metric(
      'webraft_drops_total',
      'counter',
      'Frames dropped instead of relayed, by reason.',
      labelled('reason', this.drops),
    );
    metric(
      'webraft_rejected_connections_total',
      'counter',
      'Connections refused, by reason.',
      labelled('reason', this.rejects),
    );
    metric(
      'webraft_disconnects_total',
      'counter',
      'Connections the server closed, by reason.',
      labelled('reason', this.disconnects),
    );
    return `${lines.join('\n')}\n`;
  }
}
