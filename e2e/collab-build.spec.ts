import { type Page, test } from '@playwright/test';
import { buildAndPreview, type PreviewedBuild } from '../apps/collab/scripts/production-build.js';
import {
  addCard,
  expectBoards,
  expectNoConsoleProblems,
  expectNoFailure,
  expectOneCluster,
  openAt,
  uniqueBoard,
} from './collab-helpers.js';

/**
 * apps/collab's production build (`vite build`), served by `vite preview` (started here, on a free
 * port), in real Chromium: its tabs form one cluster and edit the board, as on the dev server.
 */

expectNoConsoleProblems();
test.describe.configure({ timeout: 90_000 });

let built: PreviewedBuild | null = null;
test.beforeAll(async () => {
  built = await buildAndPreview();
});
test.afterAll(async () => {
  await built?.close();
  built = null;
});

test('the production build: three tabs form one cluster and edit the board', async ({ context }) => {
  const url = `${built!.url}?board=${uniqueBoard('build')}`;
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) pages.push(await openAt(context, url));
  await expectOneCluster(pages, 3);
  await addCard(pages[0]!, 'To do', 'built');
  await expectBoards(pages, [{ title: 'To do', cards: ['built'] }]);
  await addCard(pages[2]!, 'To do', 'and served');
  await expectBoards(pages, [{ title: 'To do', cards: ['built', 'and served'] }]);
  await expectNoFailure(pages);
});
