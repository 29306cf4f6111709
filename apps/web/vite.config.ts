import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const fromRoot = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/**
 * The web client, built to dist/web as static files: served by the consult service in demo mode,
 * by nginx in production. `npm run dev:web` serves it with the API proxied to a running `npm start`.
 */
export default defineConfig({
  root: fromRoot('apps/web'),
  base: './',
  resolve: {
    alias: [
      { find: /^@sharedcare\/(client|contract)$/, replacement: fromRoot('libs/$1/src/index.ts') },
      // The plan's structure and validator, shared with the service (yjs only, no Node imports).
      {
        find: '@sharedcare/safety-plan/document',
        replacement: fromRoot('libs/safety-plan/src/safety-plan-document.ts'),
      },
    ],
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fromRoot('dist/web'),
    emptyOutDir: true,
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/auth': 'http://127.0.0.1:3000',
      '/consult': 'http://127.0.0.1:3000',
      '/socket.io': { target: 'ws://127.0.0.1:3000', ws: true },
    },
  },
});
