import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // edseg starts its worker from beside its own module: keep it out of the dev server's pre-bundling.
  optimizeDeps: { exclude: ['edseg'] },
});
