import { defaultClientConditions, defineConfig } from 'vite';
import { nodePolyfills } from 'vite-plugin-node-polyfills';

/**
 * Serves the board. Workspace packages resolve to their TypeScript sources (the `source` export
 * condition), so nothing needs building first. The port is 5173 unless `COLLAB_PORT` or `--port` says
 * otherwise. `vite build` writes the production build to `dist/web` (beside tsc's output in `dist`,
 * which it must not empty). @webraft/transport-webrtc (shared boards `via=webrtc`) imports simple-peer,
 * CommonJS written for Node: it needs `buffer`, `process`, `events`, `util`, `stream` and `global` in a
 * browser bundle (packages/transport-webrtc/README.md, Bundlers).
 */
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  resolve: { conditions: ['source', ...defaultClientConditions] },
  plugins: [
    nodePolyfills({
      include: ['buffer', 'process', 'events', 'util', 'stream'],
      globals: { global: true, process: true, Buffer: true },
    }),
  ],
  server: { port: Number(process.env.COLLAB_PORT ?? 5173), host: '127.0.0.1' },
  build: { outDir: 'dist/web', emptyOutDir: true },
});
