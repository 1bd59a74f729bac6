// Type-aware lint for every TypeScript file, and Nx module boundaries that enforce the
// dependency direction in docs/architecture.md: apps -> api -> executor -> core,
// backends -> core, node packs -> core only.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TENSOR_RUNTIMES = ['onnxruntime-node', 'onnxruntime-*', 'onnx-proto', '@tensorflow/*'];
const NEST_AND_VENDORS = [
  ...TENSOR_RUNTIMES,
  '@nestjs/*',
  'fastify',
  '@fastify/*',
  'tsyringe',
  'better-sqlite3',
  'bullmq',
  'ioredis',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.nx/**', 'coverage/**', '.test-results/**'] },
  js.configs.recommended,
  {
    files: ['**/*.{js,cjs,mjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        // lets consistent-type-imports keep value imports that decorator metadata needs
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: {
      // jest matchers and fixtures are loosely typed JSON
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // only the backend libraries touch a tensor runtime
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:api', 'type:executor', 'type:core', 'type:backend'],
              bannedExternalImports: TENSOR_RUNTIMES,
            },
            {
              sourceTag: 'type:api',
              onlyDependOnLibsWithTags: ['type:executor', 'type:core'],
              bannedExternalImports: TENSOR_RUNTIMES,
            },
            {
              sourceTag: 'type:executor',
              onlyDependOnLibsWithTags: ['type:core'],
              bannedExternalImports: ['@nestjs/*', 'fastify', '@fastify/*', ...TENSOR_RUNTIMES],
            },
            {
              sourceTag: 'type:backend',
              onlyDependOnLibsWithTags: ['type:core'],
              bannedExternalImports: ['@nestjs/*', 'fastify', '@fastify/*'],
            },
            {
              sourceTag: 'type:core',
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: NEST_AND_VENDORS.filter((p) => p !== 'tsyringe'),
            },
            {
              sourceTag: 'type:pack',
              onlyDependOnLibsWithTags: ['type:core'],
              bannedExternalImports: NEST_AND_VENDORS,
            },
            {
              sourceTag: 'type:tool',
              onlyDependOnLibsWithTags: [
                'type:app',
                'type:api',
                'type:executor',
                'type:core',
                'type:backend',
                'type:pack',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // a pack's own tests may run its nodes on real backends; its source may not import them
    files: ['node-packs/**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:pack', onlyDependOnLibsWithTags: ['type:core', 'type:backend'] },
          ],
        },
      ],
    },
  },
  prettier,
);
