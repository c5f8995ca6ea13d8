import type { LeaderRecord } from '../types.js';

export function encodeRecord(record: LeaderRecord): string {
  return `${record.token}:${record.leaderId}`;
}

/** The record in a key or message, or null for none (an empty message: the leader resigned). */
export function decodeRecord(value: unknown): LeaderRecord | null {
  if (typeof value !== 'string' || value === '') return null;
  const sep = value.indexOf(':');
  const token = Number(value.slice(0, sep));
  if (sep <= 0 || !Number.isSafeInteger(token) || token <= 0) return null;
  return { leaderId: value.slice(sep + 1), token };
}
