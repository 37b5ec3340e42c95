// One linter for the whole repository: typescript-eslint's recommended rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // examples/ and test/fixtures/ are user code, judged by the runtime (and signed), not by our style.
  {
    ignores: [
      'examples/**',
      'test/fixtures/**',
      '**/node_modules/**',
      '**/dist/**',
      '**/out/**',
      '**/.aether/**',
      '.cache/**',
      'test-results/**',
      '**/*.vsix',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // Boundaries between the parts (each folder's DESIGN.md or README says what it may import).
  {
    files: ['runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['vscode', 'vscode-*', 'vscode/*'], message: 'runtime/ is the aetherscript-core package: no VS Code or LSP code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['server/src/service/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises'].map((name) => ({
            name,
            message: 'The language service is pure: read files through the injected FileSystem (server/src/ does the I/O).',
          })),
          patterns: [
            {
              group: ['vscode-languageserver', 'vscode-languageserver/*'],
              message:
                'The language service has no connection: LSP types come from vscode-languageserver-types, the adapter is server/src/server.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['client/webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'Webviews run in a browser: no Node built-ins.' }] }],
    },
  },
  {
    // The command table is handed to the Ctx by extension.ts; commands.ts may use the Ctx, not the reverse.
    files: ['client/src/ctx.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['./commands', './commands.*'], message: 'extension.ts hands the command table to the Ctx.' }] },
      ],
    },
  },
);
