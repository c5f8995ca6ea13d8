/**
 * A resource guarded by fencing tokens, as a leader's job would write to (a database row, a file): it
 * remembers the largest token it accepted and refuses a write under a smaller one. It lives in the
 * spec's process; pages reach it through `context.exposeFunction('fencedWrite', ...)`.
 */
export class FencedResource {
  private maxToken = 0;
  readonly accepted: { token: number; writer: string; at: number }[] = [];
  readonly refused: { token: number; writer: string; at: number }[] = [];
  /** Which writer each accepted token belongs to: one token must never serve two tabs. */
  private readonly owners = new Map<number, string>();
  readonly violations: string[] = [];

  write(token: number, writer: string): boolean {
    const entry = { token, writer, at: Date.now() };
    if (token < this.maxToken) {
      this.refused.push(entry);
      return false;
    }
    const owner = this.owners.get(token);
    if (owner !== undefined && owner !== writer)
      this.violations.push(`token ${token} used by ${owner} and ${writer}`);
    this.owners.set(token, writer);
    this.maxToken = token;
    this.accepted.push(entry);
    return true;
  }
}
