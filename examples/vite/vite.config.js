import { defineConfig } from 'vite';

export default defineConfig({
  // The one line edseg needs in Vite: the dev server must serve edseg as it is, not pre-bundled into
  // /.vite/deps/, where the worker it starts (new URL('./edseg.worker.js', import.meta.url)) is not.
  optimizeDeps: { exclude: ['edseg'] },
});
