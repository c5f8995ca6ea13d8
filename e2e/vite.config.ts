import { defaultClientConditions, defineConfig } from 'vite';
import { nodePolyfills } from 'vite-plugin-node-polyfills';

/**
 * Serves the test pages in `pages/` (one folder per package under test) for Playwright. Workspace
 * packages resolve to their TypeScript sources (the `source` export condition), so specs need no build.
 * The pages are cross-origin isolated (COOP and COEP), which gives `performance.now()` 5 us steps
 * instead of 100 us: benchmark pages need that. simple-peer (in @webraft/transport-webrtc) is CommonJS
 * written for Node: it needs `buffer`, `process`, `events`, `util`, `stream` and `global` polyfilled in a
 * browser bundle (packages/transport-webrtc/README.md, Bundlers).
 */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 5179);

export default defineConfig({
  root: new URL('./pages', import.meta.url).pathname,
  resolve: { conditions: ['source', ...defaultClientConditions] },
  plugins: [
    nodePolyfills({
      include: ['buffer', 'process', 'events', 'util', 'stream'],
      globals: { global: true, process: true, Buffer: true },
    }),
  ],
  server: {
    port: E2E_PORT,
    strictPort: true,
    host: '127.0.0.1',
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  logLevel: 'warn',
});
