import { defaultClientConditions, defineConfig } from 'vite';

/**
 * Serves the board. Workspace packages resolve to their TypeScript sources (the `source` export
 * condition), so nothing needs building first. The port is 5173 unless `COLLAB_PORT` or `--port` says
 * otherwise. `vite build` writes the production build to `dist/web` (beside tsc's output in `dist`,
 * which it must not empty). Shared boards over WebRTC (`via=webrtc`) take `@webraft/transport-webrtc/native`,
 * which leaves simple-peer out: no Node polyfills are needed (README, Why the page needs no Node
 * polyfills).
 */
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: { port: Number(process.env.COLLAB_PORT ?? 5173), host: '127.0.0.1' },
  build: { outDir: 'dist/web', emptyOutDir: true },
});
