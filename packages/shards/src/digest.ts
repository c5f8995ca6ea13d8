/**
 * A file's content digest, recorded with its upload: SHA-256 as 64 lowercase hex digits. Readers and
 * replicators check the bytes a server gives against it, so bytes of another upload of the same name
 * (one that lost the race for it and left its bytes on a server until replication overwrites them)
 * are never taken for the recorded file.
 */
export type Digest = (bytes: Uint8Array) => Promise<string>;

export const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** The part of WebCrypto used here (the package builds without the DOM or Node type libraries). */
interface WebCryptoDigest {
  subtle?: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> };
}

/** SHA-256 through WebCrypto (`crypto.subtle`: browsers in a secure context, Node 20 and later). */
export const sha256Hex: Digest = async (bytes) => {
  const subtle = (globalThis as { crypto?: WebCryptoDigest }).crypto?.subtle;
  if (!subtle) throw new Error('crypto.subtle is not available here: pass a digest function');
  const hash = new Uint8Array(await subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of hash) hex += b.toString(16).padStart(2, '0');
  return hex;
};
