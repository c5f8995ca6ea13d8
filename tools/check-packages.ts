/**
 * Checks every published package the way npm users will get it: `pnpm pack` makes the tarball (with
 * `workspace:*` ranges rewritten, as `pnpm publish` would), then publint checks its package.json
 * against its files and @arethetypeswrong/cli checks that TypeScript finds the types of every entry
 * point under each module resolution (node10, node16 from ESM and CJS, bundler).
 *
 * A package is published unless its package.json says `"private": true`; packages are discovered
 * under `packages/`, so a new one is checked without being listed here. Run after `pnpm build`
 * (`pnpm check:packages`; `pnpm test` does both). Needs no network.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

// The packages are ESM only. attw reports a CommonJS `require` of them as an error under node16 (CJS);
// that is what ESM-only means, not a packaging fault, so it is the one rule not checked.
const ATTW_IGNORED_RULES = ['cjs-resolves-to-esm'];

// Two cores: at most two packages at once (each check is a few processes in a row).
const CONCURRENCY = 2;

interface Manifest {
  name?: string;
  private?: boolean;
  scripts?: Record<string, string>;
}

interface Result {
  name: string;
  ok: boolean;
  ms: number;
  output: string;
}

function publishedPackages(): { dir: string; name: string; builds: boolean }[] {
  const packagesDir = join(root, 'packages');
  const found: { dir: string; name: string; builds: boolean }[] = [];
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    const manifestPath = join(packagesDir, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (manifest.private === true) continue;
    found.push({
      dir: join(packagesDir, entry.name),
      name: manifest.name ?? entry.name,
      builds: manifest.scripts?.build !== undefined,
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Runs a command to its end; resolves with its exit code and everything it printed. */
function run(command: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    // Plain text: picocolors (publint's) turns colours on whenever FORCE_COLOR is set, even to 0.
    const { FORCE_COLOR: _, ...env } = process.env;
    const child = spawn(command, args, { cwd, env: { ...env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => done({ code: 1, output: `${output}${String(error)}\n` }));
    child.on('close', (code) => done({ code: code ?? 1, output }));
  });
}

async function check(pkg: { dir: string; name: string; builds: boolean }): Promise<Result> {
  const started = performance.now();
  const result = (ok: boolean, output: string): Result => ({
    name: pkg.name,
    ok,
    ms: performance.now() - started,
    output,
  });
  if (pkg.builds && !existsSync(join(pkg.dir, 'dist'))) {
    return result(false, `${relative(root, pkg.dir)}/dist is missing: run \`pnpm build\` first\n`);
  }
  const out = mkdtempSync(join(tmpdir(), 'webraft-pack-'));
  try {
    const pack = await run('pnpm', ['pack', '--pack-destination', out], pkg.dir);
    const tarball = readdirSync(out).find((file) => file.endsWith('.tgz'));
    if (pack.code !== 0 || tarball === undefined) return result(false, `pnpm pack failed:\n${pack.output}`);
    const path = join(out, tarball);
    const [publint, attw] = await Promise.all([
      run(bin('publint'), ['run', path, '--strict'], out),
      run(bin('attw'), [path, '--format', 'ascii', '--ignore-rules', ...ATTW_IGNORED_RULES], out),
    ]);
    const failures = [
      publint.code === 0 ? '' : `publint:\n${publint.output}`,
      attw.code === 0 ? '' : `attw:\n${attw.output}`,
    ].join('');
    return result(failures === '', failures);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const packages = publishedPackages();
  const results: Result[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < packages.length) {
      const pkg = packages[next++]!;
      results.push(await check(pkg));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, packages.length) }, worker));
  results.sort((a, b) => a.name.localeCompare(b.name));
  for (const r of results) {
    process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${Math.round(r.ms)} ms)\n`);
    if (!r.ok) process.stdout.write(r.output.replace(/^/gm, '     ') + '\n');
  }
  const failed = results.filter((r) => !r.ok).length;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `check:packages: ${results.length - failed} of ${results.length} published packages pass publint and attw (${seconds} s)\n`,
  );
  if (packages.length === 0) {
    process.stdout.write('check:packages: no published package found under packages/\n');
    process.exitCode = 1;
  }
  if (failed > 0) process.exitCode = 1;
}

await main();
