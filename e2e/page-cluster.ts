import { expect, type Page } from '@playwright/test';

/**
 * A Raft cluster of pages, one node per page, whose page exposes `window.webraft.propose(command)` and
 * `window.webraft.status()` (pages/transport-websocket/cluster.ts, pages/transport-webrtc/cluster.ts).
 * Shared by the transport specs.
 */
export interface PageMember {
  id: string;
  page: Page;
}

/** What every cluster page's `status()` has, besides its own fields. */
export interface PageStatus {
  state?: string;
  items: { id: number }[];
}

type ClusterPage<S> = {
  webraft: { propose(c: unknown): Promise<{ index?: number; error?: string }>; status(): S };
};

export const pageStatus = <S extends PageStatus = PageStatus>(m: PageMember): Promise<S> =>
  m.page.evaluate(() => (window as unknown as ClusterPage<S>).webraft.status());

export async function leaderOf<M extends PageMember>(members: M[]): Promise<M | undefined> {
  for (const m of members) if ((await pageStatus(m)).state === 'leader') return m;
  return undefined;
}

/** Proposes `{ id }` on the leader (or any member) until one acknowledges it (a refusal or timeout is retried). */
export async function commit(members: PageMember[], id: number, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const target = (await leaderOf(members)) ?? members[attempt % members.length]!;
    const out = await target.page.evaluate(
      (command) => (window as unknown as ClusterPage<PageStatus>).webraft.propose(command),
      { id },
    );
    if (out.index !== undefined) return;
  }
  throw new Error(`entry ${id} was not acknowledged within ${deadlineMs} ms`);
}

/** Every acknowledged entry is applied on every member, in one order (the logs agree). */
export async function expectAgreement(members: PageMember[], acknowledged: number[]): Promise<void> {
  await expect
    .poll(
      async () => {
        const logs = await Promise.all(
          members.map(async (m) => (await pageStatus(m)).items.map((c) => c.id)),
        );
        const complete = logs.every((log) => acknowledged.every((id) => log.includes(id)));
        const longest = logs.reduce((a, b) => (b.length > a.length ? b : a));
        const agree = logs.every((log) => log.every((id, i) => longest[i] === id));
        return complete && agree;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
}
