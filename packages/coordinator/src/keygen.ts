/**
 * A fresh AllData key, like the seed's `AllDataKeygen.generateKey()`: the time in ms (hex, 12 digits,
 * so keys sort by when they were made) and 16 random bytes (hex), unique without coordination.
 */
export function generateKey(now: number = Date.now()): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let random = '';
  for (const byte of bytes) random += byte.toString(16).padStart(2, '0');
  return `${Math.floor(now).toString(16).padStart(12, '0')}-${random}`;
}
