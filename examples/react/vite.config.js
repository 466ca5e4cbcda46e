import { fileURLToPath } from 'node:url';
import { defineConfig, searchForWorkspaceRoot } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  // edseg starts its worker from beside its own module: keep it out of the dev server's pre-bundling.
  optimizeDeps: { exclude: ['edseg'] },
  // edseg installed from a folder (a symlink outside this project): let the dev server serve its dist/.
  server: {
    fs: {
      allow: [
        searchForWorkspaceRoot(process.cwd()),
        fileURLToPath(new URL('.', import.meta.resolve('edseg'))),
      ],
    },
  },
});
