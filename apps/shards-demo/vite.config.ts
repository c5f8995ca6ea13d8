import { defaultClientConditions, defineConfig } from 'vite';

/**
 * Serves the demo. Workspace packages resolve to their TypeScript sources (the `source` export
 * condition), so nothing needs building first. The port is 5175 unless `SHARDS_DEMO_PORT` or
 * `--port` says otherwise.
 */
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: { port: Number(process.env.SHARDS_DEMO_PORT ?? 5175), host: '127.0.0.1' },
});
