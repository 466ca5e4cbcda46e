import { fileURLToPath } from 'node:url';
import { defineConfig, searchForWorkspaceRoot } from 'vite';

export default defineConfig({
  // The one line edseg needs in Vite: the dev server must serve edseg as it is, not pre-bundled into
  // /.vite/deps/, where the worker it starts (new URL('./edseg.worker.js', import.meta.url)) is not.
  optimizeDeps: { exclude: ['edseg'] },
  // Only for edseg installed from a folder (`npm install ../edseg/packages/edseg`, a symlink): the dev
  // server serves files outside this project only from folders it is allowed, so allow edseg's dist/.
  // An install from the registry or a tarball is in node_modules and needs none of this.
  server: {
    fs: {
      allow: [
        searchForWorkspaceRoot(process.cwd()),
        fileURLToPath(new URL('.', import.meta.resolve('edseg'))),
      ],
    },
  },
});
