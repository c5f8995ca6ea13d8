import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAndPreview, type PreviewedBuild } from '../scripts/production-build.js';

/**
 * The production build (`vite build`, the app's own vite.config.ts) as it would be deployed: it
 * builds, `vite preview` serves it, and everything its page loads is served, bundled (no workspace
 * source or bare import is left for the browser to resolve). e2e/collab-build.spec.ts runs it in
 * Chromium.
 */
let built: PreviewedBuild | null = null;
afterAll(() => built?.close());

describe('the production build', () => {
  it('builds, and vite preview serves the page with every script and stylesheet it loads', async () => {
    built = await buildAndPreview();
    const page = await fetch(built.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="board"');
    // What the page loads: hashed assets of the build, never the sources the dev server transpiles.
    const loaded = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(loaded.some((path) => path.endsWith('.js'))).toBe(true);
    expect(loaded.some((path) => path.endsWith('.css'))).toBe(true);
    expect(html).not.toContain('/src/');
    for (const path of loaded) {
      const asset = await fetch(new URL(path, built.url));
      expect(asset.status, path).toBe(200);
      const text = await asset.text();
      expect(text).toBe(await readFile(join(built.outDir, path), 'utf8'));
      if (path.endsWith('.js')) {
        // One bundle with the app and its packages in it: no import left for the browser to resolve.
        expect(text).not.toMatch(/from\s*["']@webraft\//);
        expect(text).not.toMatch(/import\(["'][^."']/);
        expect(text).toContain('PatchConflictError');
        // WebRTC from `@webraft/transport-webrtc/native`: the transport is in, simple-peer (an error
        // code of its own) is not, so the page needs no Node polyfills.
        expect(text).toContain('WebRtcTransport needs options');
        expect(text).not.toContain('ERR_PC_CONSTRUCTOR');
      }
    }
  }, 60_000);
});
