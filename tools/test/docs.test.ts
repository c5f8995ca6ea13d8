import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Keeps the documentation honest as files move: every relative link and every repository path (in
 * backticks, from the root: `packages/...`) in docs/ and the READMEs points at a file that exists, and
 * every test docs/scenarios.md names (a file and a `describe` title) exists.
 */
const root = resolve(import.meta.dirname, '../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The Markdown files users read: docs/*.md, the root README and every package's README. */
function documents(): string[] {
  const found = ['README.md'];
  for (const file of readdirSync(join(root, 'docs'))) if (file.endsWith('.md')) found.push(`docs/${file}`);
  for (const dir of ['packages', 'apps']) {
    if (!existsSync(join(root, dir))) continue;
    for (const entry of readdirSync(join(root, dir))) {
      const readme = `${dir}/${entry}/README.md`;
      if (existsSync(join(root, readme))) found.push(readme);
    }
  }
  return found;
}

describe('documentation links', () => {
  for (const doc of documents()) {
    it(`${doc}: every relative link resolves`, () => {
      const text = read(doc);
      const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
      const broken = links
        .filter((link) => !/^[a-z]+:/.test(link) && !link.startsWith('#'))
        .map((link) => link.split('#')[0]!)
        .filter((target) => !existsSync(join(root, dirname(doc), target)));
      expect(broken, `${doc} links to missing files`).toEqual([]);
    });
    it(`${doc}: every repository path it names exists`, () => {
      const paths = [...read(doc).matchAll(/`((?:packages|apps|bench|e2e|tools|docs)\/[^`\s]*)`/g)].map(
        (m) => m[1]!,
      );
      expect(
        paths.filter((path) => !existsSync(join(root, path))),
        `${doc} names missing files`,
      ).toEqual([]);
    });
  }
});

describe('docs/scenarios.md', () => {
  const text = read('docs/scenarios.md');
  const rows = text.split('\n').filter((line) => /^\| \d+ \|/.test(line));

  it('has the 32 rows, numbered in order', () => {
    expect(rows.map((row) => Number(row.split('|')[1]))).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it('names, for every row, test files and describe titles that exist', () => {
    const problems: string[] = [];
    for (const row of rows) {
      const number = row.split('|')[1]!.trim();
      const cell = row.split('|').at(-2)!.trim();
      // "`file`: describe title › test; › test; another describe title › test; `file`: ..."
      let file: string | null = null;
      let titles = 0;
      for (const segment of cell.split('; ')) {
        const cited = /^`([\w./-]+\.test\.ts)`: (.*)$/.exec(segment);
        if (cited) file = `packages/core/test/${cited[1]}`;
        const rest = cited ? cited[2]! : segment;
        if (file === null || rest.startsWith('›') || !rest.includes(' › ')) continue;
        const title = rest.slice(0, rest.indexOf(' › ')).trim();
        titles++;
        if (!existsSync(join(root, file))) problems.push(`row ${number}: ${file} does not exist`);
        else if (!read(file).includes(`'${title}'`) && !read(file).includes(`"${title}"`))
          problems.push(`row ${number}: ${file} has no describe titled '${title}'`);
      }
      if (titles === 0) problems.push(`row ${number}: names no test`);
    }
    expect(problems).toEqual([]);
  });
});
