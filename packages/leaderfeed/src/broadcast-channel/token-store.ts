/**
 * A durable floor under a `BroadcastChannelLeaderFeed`'s token counter. The feeds of a channel keep
 * the counter in memory; a store lets a feed started after every other feed of the channel was gone
 * (all tabs closed or crashed, then one opened) claim above every token led before. A claimant reads
 * it and writes its new token before the claim leaves, so every token ever claimed was written first.
 * Synchronous, as localStorage is: the claim must not wait on it.
 */
export interface TokenStore {
  /** The largest token written (0 if none). */
  read(): number;
  /** Records `token`, claimed or handed over; a value below the stored one changes nothing. */
  write(token: number): void;
}

/** The part of Web Storage the store uses. */
export type TokenStorage = Pick<Storage, 'getItem' | 'setItem'>;

/**
 * The floor in localStorage, shared by the tabs of an origin. A floor needs no atomic increment (rival
 * claims are still settled on the channel): it only has to be there for the next tab that starts.
 */
export class LocalStorageTokenStore implements TokenStore {
  constructor(
    readonly key: string,
    private readonly storage: TokenStorage = globalThis.localStorage,
  ) {}

  read(): number {
    const value = Number(this.storage.getItem(this.key));
    // A missing or corrupted entry is no floor (the feeds' own counter still holds).
    return Number.isSafeInteger(value) && value > 0 ? value : 0;
  }

  write(token: number): void {
    if (token > this.read()) this.storage.setItem(this.key, String(token));
  }
}

/**
 * The default store of a channel: in localStorage when the page has it (`webraft-leaderfeed:<channel>`),
 * none in Node or where storage is denied (a sandboxed frame's getter throws).
 */
export function defaultTokenStore(channel: string): TokenStore | null {
  try {
    const storage = (globalThis as { localStorage?: TokenStorage }).localStorage;
    return storage ? new LocalStorageTokenStore(`webraft-leaderfeed:${channel}`, storage) : null;
  } catch {
    return null;
  }
}
