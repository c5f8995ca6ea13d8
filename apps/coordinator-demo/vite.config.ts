import { defaultClientConditions, defineConfig } from 'vite';

/**
 * Serves the demo. Workspace packages resolve to their TypeScript sources (the `source` export
 * condition), so nothing needs building first. The port is 5174 unless `COORDINATOR_PORT` or `--port`
 * says otherwise.
 */
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: { port: Number(process.env.COORDINATOR_PORT ?? 5174), host: '127.0.0.1' },
});
