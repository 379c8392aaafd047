import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the api under /admin/; in development Vite serves it and forwards the API to a local server.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: 'http://localhost:4000', changeOrigin: true, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
});
