import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.latch/**', 'coverage/**', '**/.next/**', 'examples/nextjs/**', 'examples/nextjs-clerk/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Transactions: one helper opens them (storage/database.ts `transaction`), and inside its work only the
    // transaction handle is used. The types already refuse the outer handle where a `Tx` is required; these
    // rules catch the rest at lint time (and the driver refuses it at run time).
    files: ['packages/server/src/**/*.ts'],
    ignores: ['packages/server/src/storage/**', 'packages/server/src/**/*.test.ts', 'packages/server/src/test/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='transaction'] > :function Identifier[name='db']:not(MemberExpression > Identifier.property):not(Property > Identifier.key)",
          message: 'The outer database handle inside a transaction: use the transaction handle (tx).',
        },
        {
          selector: "CallExpression[callee.property.name='transaction'][arguments.length=0]",
          message: "Open transactions with storage/database.ts `transaction(db, work, onUnique)`.",
        },
        {
          selector: "CallExpression[callee.property.name='forUpdate'][arguments.length=0]",
          message: 'Lock rows with `.$call(forUpdate(tx))`: SQLite has no FOR UPDATE.',
        },
      ],
    },
  },
  {
    // Layout: queries live in repositories (and storage/); routes, services and serializers ask them.
    files: ['packages/server/src/**/*.ts'],
    ignores: [
      'packages/server/src/**/repository.ts',
      'packages/server/src/**/*-repository.ts',
      'packages/server/src/storage/**',
      'packages/server/src/**/*.test.ts',
      'packages/server/src/test/**',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['selectFrom', 'insertInto', 'updateTable', 'deleteFrom'].map((property) => ({
          property,
          message: 'Queries belong in a repository (repository.ts beside the service, or storage/); ask it from here.',
        })),
      ],
    },
  },
  {
    // A service never touches HTTP: coded errors come from src/errors.ts, requests are decoded by the routes.
    files: ['packages/server/src/**/service.ts', 'packages/server/src/**/*-service.ts', 'packages/server/src/**/repository.ts', 'packages/server/src/**/*-repository.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/http/**', 'hono', 'hono/*'], message: 'Services and repositories do not depend on HTTP.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', setTimeout: 'readonly', performance: 'readonly', Buffer: 'readonly' },
    },
  },
  {
    // The example apps are fetch-Request handlers too.
    files: ['examples/**/*.js'],
    languageOptions: { globals: { Request: 'readonly', Response: 'readonly', Headers: 'readonly' } },
  },
);
