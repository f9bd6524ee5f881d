import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by Sluice itself at `/` (src/http/console.ts), from web/dist.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or data: URLs for scripts: the console's CSP allows 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
