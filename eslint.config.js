// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

// A part may import only parts above it in DESIGN.md's table (peer/ composes; cli/ and web/ adapt).
const parts = [
  'catalog',
  'library',
  'identity',
  'protocol',
  'net',
  'discovery',
  'mesh',
  'archive',
  'transfer',
  'install',
  'peer',
  'web',
  'cli',
];
const zones = parts.flatMap((part, i) =>
  parts.slice(i + 1).map((later) => ({ target: `./src/${part}`, from: `./src/${later}` })),
);
// The leaf files import nothing of ours.
zones.push(
  ...[
    'atomic-write.ts',
    'batch-flusher.ts',
    'errors.ts',
    'folder-inside.ts',
    'human-units.ts',
    'logger.ts',
    'portable-name.ts',
    'terminal-text.ts',
  ].map((leaf) => ({
    target: `./src/${leaf}`,
    from: './src',
  })),
);
// ids.ts takes Windows' name rules from the leaf that holds them: a game id names a folder.
zones.push({ target: './src/ids.ts', from: './src', except: ['./portable-name.ts'] });
// host-port.ts throws the one error class and imports nothing else of ours.
zones.push({ target: './src/host-port.ts', from: './src', except: ['./errors.ts'] });
// The progress folding reads the contract's events and nothing else, so the browser can share it.
zones.push({ target: './src/progress-fold.ts', from: './src', except: ['./peer/contract.ts'] });

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      '.cache/**',
      'node_modules/**',
      'eslint.config.js',
      'scripts/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The Vite config runs in Node, outside the browser project of ui/tsconfig.json.
        projectService: {
          allowDefaultProject: ['ui/vite.config.ts'],
          defaultProject: 'ui/tsconfig.node.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      // Our sources import `./x.js` for `./x.ts` (ESM under tsc): resolve them so the import
      // rules see the real files (unresolved imports are skipped silently).
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'],
          extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
        }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-cycle': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
      // Tests read untyped JSON from child processes and probe values the types say are set.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      '@typescript-eslint/no-unnecessary-type-conversion': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
