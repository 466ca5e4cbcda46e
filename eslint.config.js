// One lint for the repo (`npm run lint` runs it after `prettier --check`). Only rules that catch
// real defects; formatting is Prettier's job (eslint-config-prettier turns the style rules off).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const mathRandom = {
  object: 'Math',
  property: 'random',
  message: 'privacy randomness comes only from src/core/privacy/random.ts (crypto.getRandomValues)',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '**/dist/',
      'packages/server/demo/',
      '.cache/',
      '.edseg-data/',
      'test-results/',
      'playwright-report/',
      'coverage/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Type-aware rules on the TypeScript sources.
    files: ['**/*.ts', '**/*.mts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['src/**', 'worker/**'],
    rules: { 'no-restricted-properties': ['error', mathRandom] },
  },
  {
    files: ['src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/client/**', '**/server/**', '**/worker/**', '../../worker/*', '../worker/*'],
              message: 'src/core is pure: it imports nothing from client, server or worker',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/client/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tensorflow/*', '**/core/tf.js', '**/core/model.js'],
              message: 'the main-thread client never imports TensorFlow.js',
            },
          ],
        },
      ],
    },
  },
  {
    // The server's domains are below the admin: admin/ is built on them, never the reverse, so the
    // collector (ingest/) and the public estimates answer with no console or admin API code in them.
    files: ['src/server/{runtime,http,ingest,estimates,sites,identity,ops,storage,demo}/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/admin/**', '**/admin-cli/**'],
              message:
                "src/server's domains import nothing from admin/ or admin-cli/ (admin/ is built on them)",
            },
          ],
        },
      ],
    },
  },
  prettier,
);
