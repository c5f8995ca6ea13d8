import { RaftError } from '@webraft/core';

/** The peer did not answer a put within the peer client's `timeoutMs`. The event may or may not be stored there. */
export class PeerTimeoutError extends RaftError {
  override name = 'PeerTimeoutError';
  readonly peer: string;
  constructor(peer: string, timeoutMs: number) {
    super('PEER_TIMEOUT', `peer ${peer} did not answer the put within ${timeoutMs} ms`);
    this.peer = peer;
  }
}

/** The transport reported the peer gone (closed, said goodbye) while a put to it was in flight. */
export class PeerGoneError extends RaftError {
  override name = 'PeerGoneError';
  readonly peer: string;
  constructor(peer: string) {
    super('PEER_GONE', `peer ${peer} went away before answering the put`);
    this.peer = peer;
  }
}

/** The peer answered that its storage failed: `remoteCode` is the code (or name) of the error it had there. */
export class RemotePutError extends RaftError {
  override name = 'RemotePutError';
  readonly peer: string;
  readonly remoteCode: string;
  constructor(peer: string, remoteCode: string, message: string) {
    super('REMOTE_PUT_FAILED', `peer ${peer} could not store the event: ${remoteCode}: ${message}`);
    this.peer = peer;
    this.remoteCode = remoteCode;
  }
}

/** The peer client is closed (or never started): nothing was sent. */
export class PeerClosedError extends RaftError {
  override name = 'PeerClosedError';
  constructor() {
    super('PEER_CLOSED', 'the peer client is not running: start() it first (a closed one stays closed)');
  }
}
