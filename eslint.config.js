import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // A processor runs for months: AbortSignal.any with a long-lived signal keeps memory per call (nodejs/node#55351).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.object.name='AbortSignal'][callee.property.name='any']", message: 'AbortSignal.any leaks per call with a long-lived signal (nodejs/node#55351): listen and remove instead.' }],
    },
  },
  {
    // Plain Node scripts (fixtures, bench launchers).
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' } },
  },
  {
    files: ['src/dashboard/client/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', AbortController: 'readonly', TextDecoderStream: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly', location: 'readonly', history: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', console: 'readonly' } },
  },
);
