// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import regexpPlugin from 'eslint-plugin-regexp';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'bin/**', 'web/dist/**', 'test-results/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Regexes here run on client, tenant and SMTP data: a pattern that backtracks or moves
    // super-linearly is a denial of service (issue 9). 'potential' also reports patterns whose
    // worst case needs a rejecting suffix, which a hostile client always supplies; ignorePartial
    // false checks regex fragments that are later joined into a bigger pattern. The rules see
    // literals only, and miss the quadratic scans of a lazy `[\s\S]*?` searched for from every
    // start: test/security/regex-linear.test.ts covers schema patterns and times the scanners.
    files: ['**/*.ts', '**/*.js'],
    plugins: { regexp: regexpPlugin },
    rules: {
      'regexp/no-super-linear-backtracking': ['error', { report: 'potential' }],
      'regexp/no-super-linear-move': ['error', { report: 'potential', ignorePartial: false }],
      'regexp/no-misleading-capturing-group': 'error',
    },
  },
  {
    // Tests read loosely typed JSON responses.
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
