import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';

export default tseslint.config(
  { ignores: ['node_modules/', 'generated/', 'data/', 'dist/', 'web/dist/', 'tests/fixtures/', '.conformance/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    // The board runs in the browser; its .svelte files hold TypeScript.
    files: ['web/**/*.ts', 'web/**/*.svelte', 'web/**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      // svelte-check (TypeScript) knows the browser's globals; no-undef would not.
      'no-undef': 'off',
      // The board navigates through its own router (plain <a href>, intercepted): no SvelteKit resolve().
      'svelte/no-navigation-without-resolve': 'off',
    },
  },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs, no I/O.
    // (Date.now() is fine there: the SDK makes it workflow time.)
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'crypto'], message: 'No Node APIs in workflow code.' },
            {
              group: ['../activities/*', '../api/*', '../prisma/*'],
              allowTypeImports: true,
              message: 'Workflows do no I/O: reach activities through proxyActivities, by type only.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow.' },
      ],
    },
  },
);
