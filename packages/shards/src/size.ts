import { InvalidArgumentError } from './errors.js';

/** Units as the seed writes them (`100gb`), 1024-based as disk sizes usually are. */
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
};

/**
 * Bytes of a size: a non-negative safe integer, or text like `100gb`, `1.5 TB`, `512k`, `4096`
 * (units b, k/kb, m/mb, g/gb, t/tb, any case, 1024-based). Fractions of a byte are rounded down.
 */
export function parseSize(size: string | number, argument = 'capacity'): number {
  if (typeof size === 'number') {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new InvalidArgumentError(argument, `a size in bytes is a non-negative integer, not ${size}`);
    return size;
  }
  if (typeof size !== 'string')
    throw new InvalidArgumentError(argument, 'a size is a number or text like 100gb');
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(size);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined)
    throw new InvalidArgumentError(argument, `"${size}" is not a size (examples: 100gb, 512mb, 4096)`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new InvalidArgumentError(argument, `"${size}" is too large`);
  return bytes;
}
