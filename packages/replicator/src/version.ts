/**
 * A version of one key: the seed's per-key logical clock and the id of the replica that wrote it.
 * Clocks order versions of a key; equal clocks (concurrent writes on two replicas) go to a resolver.
 */
export interface Version {
  /** Starts at 0 on a key's first write; each later write on any replica is the clock it knew + 1. */
  readonly clock: number;
  /** The id of the replica that made this write. */
  readonly writer: string;
  /** Wall-clock milliseconds at the writer (for user resolvers, as the seed's `a.timestamp > b.timestamp`). */
  readonly timestamp: number;
}

/** The seed's resolver: true accepts the remote version `a` over the local `b` (called on equal clocks). */
export type Resolver = (a: Version, b: Version) => boolean;

/**
 * The default resolver: the larger writer id wins. Every replica compares the same two ids the same way,
 * so all of them keep the same version whatever order the exchanges ran in.
 */
export const largerWriterWins: Resolver = (a, b) => a.writer > b.writer;

/** Whether the remote version replaces the local one (none locally: it always does). */
export function remoteWins(remote: Version, local: Version | undefined, resolver: Resolver): boolean {
  if (local === undefined) return true;
  if (remote.clock !== local.clock) return remote.clock > local.clock;
  // The same writer never writes one key twice at one clock: this is the version already held.
  if (remote.writer === local.writer) return false;
  return resolver(remote, local);
}
