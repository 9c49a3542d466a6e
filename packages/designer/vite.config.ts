import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The designer talks to the platform through the same origin; in dev and preview Vite forwards
// the API paths to a running platform (the production build is served by the platform itself).
const api = process.env.WAYBILL_API_URL ?? 'http://127.0.0.1:3000';
const proxy = { '/trpc': api, '/api': api, '/healthz': api };

export default defineConfig({
  plugins: [react()],
  server: { proxy },
  preview: { proxy },
  worker: { format: 'es' },
  // Monaco's core chunk is several megabytes; it is loaded once and cached.
  build: { chunkSizeWarningLimit: 8000 },
});
