// Vite builds the dashboard into dist/, which the backend serves on its dashboard port (3000)
// next to the same API routes, so the app uses same-origin URLs. `npm run dev` proxies the API
// and Socket.IO to a backend on 3001 (BACKEND_URL overrides).
import { defineConfig, type ProxyOptions } from 'vite';
import preact from '@preact/preset-vite';

// Node's process, without pulling in @types/node for one variable.
declare const process: { env: Record<string, string | undefined> };
const backend = process.env.BACKEND_URL ?? 'http://127.0.0.1:3001';
const apiPaths = ['/metrics', '/services', '/sim-events', '/replay', '/lost', '/logs', '/ingest', '/health'];

// Some API paths share a name with a page (/logs, /services, /replay): a page load (Accept:
// text/html) gets the app, as on the backend's dashboard port.
const apiProxy: ProxyOptions = {
  target: backend,
  changeOrigin: true,
  bypass: (req) => (String(req.headers.accept ?? '').includes('text/html') ? '/index.html' : undefined),
};

export default defineConfig({
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 300 },
  server: {
    port: 5173,
    proxy: {
      ...Object.fromEntries(apiPaths.map((p) => [p, apiProxy])),
      '/socket.io': { target: backend, ws: true, changeOrigin: true },
    },
  },
});
