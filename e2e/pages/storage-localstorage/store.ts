/**
 * One node's localStorage storage in this page (../storage-store.ts): a node filling localStorage to
 * its real limit, and plain writes and reads for the isolation test.
 */
import { LocalStorageStorage } from '@webraft/storage-localstorage';
import { storePage } from '../storage-store.js';

const FILLER = 'filler';

/**
 * Takes all of localStorage's room but `leaveChars` characters under one key of another app, so the
 * node reaches the real limit soon. Returns the characters the filler took. The limit is found by
 * bisection: a `setItem` that does not fit throws and changes nothing.
 */
function prefill(leaveChars: number): number {
  localStorage.removeItem(FILLER);
  const fits = (chars: number) => {
    try {
      localStorage.setItem(FILLER, 'f'.repeat(chars));
      return true;
    } catch {
      return false;
    }
  };
  let lo = 0;
  let hi = 1 << 20;
  while (fits(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1024) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  const chars = Math.max(0, lo - leaveChars);
  localStorage.setItem(FILLER, 'f'.repeat(chars));
  return chars;
}

/** UTF-16 bytes of every key and value in localStorage. */
function bytesInUse(): number {
  let bytes = 0;
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i) as string;
    bytes += (key.length + (localStorage.getItem(key)?.length ?? 0)) * 2;
  }
  return bytes;
}

(window as unknown as { store: unknown }).store = {
  ...storePage((id, namespace) => new LocalStorageStorage(id, { namespace })),
  prefill,
  bytesInUse,
};
document.body.dataset.ready = 'true';
