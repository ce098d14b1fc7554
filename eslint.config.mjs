import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './tools/eslint-boundaries.mjs';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      'cdk.out.example/',
      'coverage/',
      'bench/results/',
      'test/integ/*.snapshot/',
      'test/integ/cdk-integ.out.*/',
      'cli/bin/',
      'test/consumer/app/',
      'dist/',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  eslint.configs.recommended,
  // Type-aware rules: they see what a value is, e.g. a promise nobody awaits.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-control-regex': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // The boundaries between the parts (tools/eslint-boundaries.mjs; the README's "Layout").
  ...boundaries,
  {
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.object.name=/^(describe|it|test)$/][callee.property.name=/^(only|skip)$/]',
          message: 'No focused or skipped tests.',
        },
      ],
    },
  },
);
