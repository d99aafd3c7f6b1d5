// Lint rules. The important ones keep workflow code deterministic: workflows/ may not import Node
// built-ins, the database, experts or activities (except as types), and floating promises are errors
// everywhere (a forgotten await in a workflow silently changes its history).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'worker_threads',
  'url',
  'util',
  'stream',
  'zlib',
  'events',
  'timers',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.venv/**', '.fusecap/**', '.scratch/**', 'db/migrations/**', '**/*.py', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.flatMap((m) => [
            { name: m, message: 'workflow code must be deterministic: no Node built-ins (use an activity)' },
            { name: `node:${m}`, message: 'workflow code must be deterministic: no Node built-ins (use an activity)' },
          ]),
          patterns: [
            {
              group: ['**/db/**', 'pg', 'drizzle-orm', 'drizzle-orm/*', '@electric-sql/*'],
              message: 'workflows never touch the database: call an activity',
            },
            {
              group: ['**/experts/**', 'sharp', 'onnxruntime-node', '@tensorflow/*', '@huggingface/*'],
              message: 'workflows never run models: call an activity',
            },
            {
              group: ['**/activities/**'],
              allowTypeImports: true,
              message: 'import activities as types only (proxyActivities<typeof ...>)',
            },
          ],
        },
      ],
    },
  },
  {
    // node:test's test()/describe() return promises the runner awaits itself.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
