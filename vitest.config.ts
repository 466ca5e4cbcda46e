import { defineConfig } from 'vitest/config';

// Three projects: fast unit specs, statistical/privacy-audit specs (heavier, seeded), and server
// specs (HTTP app + storage on PGlite and, when DATABASE_URL or a local PostgreSQL is available, pg).
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 20_000 },
      },
      {
        test: {
          name: 'stats',
          include: ['test/stats/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'server',
          include: ['test/server/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
