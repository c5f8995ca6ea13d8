import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

/** The production build, built into a directory of its own and served by `vite preview`. */
export interface PreviewedBuild {
  /** Where the build is: `index.html` and `assets/`. */
  outDir: string;
  /** The page's URL, `http://127.0.0.1:<port>/`. */
  url: string;
  /** Stops the server and removes the build. */
  close(): Promise<void>;
}

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds the app as `vite build` does (its vite.config.ts), into a fresh temporary directory, and
 * serves it with `vite preview` on a free loopback port: the app as it would be deployed, for the
 * tests that check it (test/production-build.test.ts, e2e/collab-build.spec.ts).
 */
export async function buildAndPreview(): Promise<PreviewedBuild> {
  const outDir = await mkdtemp(join(tmpdir(), 'collab-build-'));
  try {
    await build({ root, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    const server = await preview({
      root,
      logLevel: 'silent',
      build: { outDir },
      preview: { port: 0, host: '127.0.0.1', strictPort: false },
    });
    const { port } = server.httpServer.address() as AddressInfo;
    return {
      outDir,
      url: `http://127.0.0.1:${port}/`,
      close: async () => {
        await server.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}
