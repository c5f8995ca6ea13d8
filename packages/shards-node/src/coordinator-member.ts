import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RaftInterface } from '@webraft/core';
import { RegistryClient, ShardCoordinator, ShardRegistry, ShardReplicator } from '@webraft/shards';
import { FileStorage } from '@webraft/storage-file';
import { type SocketConstructor, WebSocketTransport } from '@webraft/transport-websocket';
import { WebSocket } from 'ws';
import { coordinatorHandler } from './coordinator-http.js';
import { HttpBlobStore } from './http-blob-store.js';

export interface CoordinatorMemberOptions {
  /** This member's node id; one of `peers`. */
  id: string;
  /** The cluster's initial voters (the same list on every member). */
  peers: string[];
  /** Its own directory for the Raft log (`@webraft/storage-file`). */
  dataDir: string;
  /** The WebSocket relay(s) the members talk through (`@webraft/server`). */
  relay: string | string[];
  /** The relay room: one per cluster. */
  room: string;
  /** A relay token, when the relay has a secret. */
  token?: string;
  /** HTTP port of the seed's interface (0: any free one). */
  port?: number;
  host?: string;
  /** Run a replicator in this process too (default true), as the seed's backpack-replicator. */
  replicator?: boolean;
  /** The replicator's lease (ms). Default 10 s. */
  leaseMs?: number;
  /** The largest upload (bytes). Default 64 MiB. */
  maxUploadBytes?: number;
  /** Wait for a registry proposal (ms). Default 10 s. */
  proposalTimeoutMs?: number;
}

export interface CoordinatorMember {
  id: string;
  url: string;
  port: number;
  raft: RaftInterface;
  registry: ShardRegistry;
  /** Proposes registry changes through this member. */
  client: RegistryClient;
  coordinator: ShardCoordinator;
  replicator: ShardReplicator | null;
  stop(): Promise<void>;
}

/**
 * `webraft-coordinator serve`: a Raft member whose state machine is the registry, on durable file
 * storage, talking to the other members through the relay; the seed's HTTP interface in front of
 * its coordinator; and (by default) a replicator. Every member coordinates: uploads and reads go to
 * whichever one a client picks, and its proposals reach the leader through the cluster.
 */
export async function startCoordinatorMember(options: CoordinatorMemberOptions): Promise<CoordinatorMember> {
  const registry = new ShardRegistry();
  const transport = new WebSocketTransport({
    url: options.relay,
    room: options.room,
    // ws's constructor takes more arguments than the transport passes (its types say `url: string | URL`).
    WebSocket: WebSocket as unknown as SocketConstructor,
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const raft = new RaftInterface(options.id, {
    peers: options.peers,
    transport,
    stateMachine: registry,
    storage: new FileStorage(options.dataDir),
  });
  const client = new RegistryClient(raft, {
    // Proposal ids must not repeat across restarts of this member: the start time keeps them apart.
    clientId: `${options.id}.${Date.now().toString(36)}`,
    timeoutMs: options.proposalTimeoutMs ?? 10_000,
  });
  const blobs = new HttpBlobStore();
  const coordinator = new ShardCoordinator(client, registry, blobs);
  const replicator =
    options.replicator === false
      ? null
      : new ShardReplicator(client, registry, blobs, {
          id: `${options.id}.replicator`,
          ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
        });
  const member = () => ({
    id: options.id,
    role: raft.state,
    leader: raft.leader,
    term: raft.term,
    commitIndex: raft.commitIndex,
    replicated: replicator?.copied ?? 0,
    readMismatches: coordinator.readMismatches,
  });
  const http: Server = createServer(
    coordinatorHandler({
      coordinator,
      client,
      registry,
      member,
      maxUploadBytes: options.maxUploadBytes ?? 64 * 1024 * 1024,
      memberMetrics: () =>
        [
          '# HELP webraft_coordinator_is_leader 1 on the member that leads the registry cluster.',
          '# TYPE webraft_coordinator_is_leader gauge',
          `webraft_coordinator_is_leader{member="${options.id}"} ${raft.state === 'leader' ? 1 : 0}`,
          "# HELP webraft_coordinator_replicated_total Copies this member's replicator completed.",
          '# TYPE webraft_coordinator_replicated_total counter',
          `webraft_coordinator_replicated_total{member="${options.id}"} ${replicator?.copied ?? 0}`,
          '# HELP webraft_coordinator_read_mismatches_total Reads that met bytes other than the recorded ones on a server and went on to the next.',
          '# TYPE webraft_coordinator_read_mismatches_total counter',
          `webraft_coordinator_read_mismatches_total{member="${options.id}"} ${coordinator.readMismatches}`,
          '',
        ].join('\n'),
    }),
  );
  await raft.start();
  replicator?.start();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, resolve);
  });
  const { port } = http.address() as AddressInfo;
  return {
    id: options.id,
    url: `http://${host}:${port}`,
    port,
    raft,
    registry,
    client,
    coordinator,
    replicator,
    stop: async () => {
      await replicator?.stop();
      await new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      });
      await raft.stop();
    },
  };
}
