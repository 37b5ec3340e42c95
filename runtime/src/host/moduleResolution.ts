// Where a plugin's imports point, decided at compile time from the original file's location.
// Relative imports follow what TypeScript authors write (extensionless, `./x.js` for `./x.ts`,
// folders with an index); package imports follow Node's ES module rules (`exports` with the `node`,
// `import` and `default` conditions), so a dual package gives the plugin the same build it would get
// from a native `import`. Pure file-system lookups: no TypeScript, no Node loader internals.
import { createRequire, isBuiltin } from 'node:module';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exports as resolveExportsField } from 'resolve.exports';

/** Extensions the plugin compiler transforms; everything else is loaded by Node as it is. */
export const SOURCE_EXTENSIONS = ['.ts', '.mts', '.tsx', '.js', '.mjs', '.jsx'];

const PROBE_EXTENSIONS = ['.ts', '.mts', '.tsx', '.js', '.mjs', '.jsx', '.cjs', '.json'];
/** `./x.js` in TypeScript source means `./x.ts` when only that exists (what `tsc` and esbuild do). */
const TS_FOR_JS: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function realFile(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** Is `specifier` a path (relative, absolute or a file: URL) rather than a package or a built-in? */
export function isPathSpecifier(specifier: string): boolean {
  return (
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier === '.' ||
    specifier === '..' ||
    path.isAbsolute(specifier) ||
    specifier.startsWith('file:')
  );
}

/** A file a path specifier names, probing as TypeScript authors expect; undefined when none exists. */
export function resolvePath(specifier: string, fromFile: string): string | undefined {
  const target = specifier.startsWith('file:') ? fileURLToPath(specifier) : path.resolve(path.dirname(fromFile), specifier);
  const candidates = [target];
  const ext = path.extname(target);
  for (const tsExt of TS_FOR_JS[ext] ?? []) candidates.push(target.slice(0, -ext.length) + tsExt);
  for (const probe of PROBE_EXTENSIONS) candidates.push(target + probe);
  for (const probe of PROBE_EXTENSIONS) candidates.push(path.join(target, `index${probe}`));
  return candidates.find(isFile);
}

/** What a package specifier resolves to: a built-in stays as written, anything else is a file. */
export type PackageResolution = { builtin: true } | { builtin: false; file: string; packageJson?: string };

/**
 * Resolves `specifier` (a package name with an optional subpath) as Node's ES module loader would
 * from `fromFile`: the nearest `node_modules/<name>` up the tree, its `exports` under the `node`,
 * `import` and `default` conditions, else `main` or `index.js`. Node 20 offers no synchronous
 * `import.meta.resolve(specifier, parent)` without a flag, and `require.resolve` picks the `require`
 * condition (the CommonJS build of a dual package, or nothing for an ESM-only one); it remains the
 * fallback for layouts this lookup does not cover (NODE_PATH, global folders).
 */
export function resolvePackage(specifier: string, fromFile: string): PackageResolution | undefined {
  if (specifier.startsWith('node:') || isBuiltin(specifier)) return { builtin: true };
  const match = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  const name = match[1]!;
  const subpath = `.${match[2] ?? ''}`;
  for (let dir = path.dirname(fromFile); ; dir = path.dirname(dir)) {
    const packageDir = path.join(dir, 'node_modules', name);
    if (isDirectory(packageDir)) {
      const file = resolveInPackage(packageDir, subpath);
      if (file) return { builtin: false, file: realFile(file), packageJson: realFile(path.join(packageDir, 'package.json')) };
      break; // Node stops at the first folder with the package, found or not.
    }
    if (path.dirname(dir) === dir) break;
  }
  try {
    return { builtin: false, file: createRequire(fromFile).resolve(specifier) };
  } catch {
    return undefined;
  }
}

interface PackageJson {
  main?: unknown;
  exports?: unknown;
}

function readPackageJson(packageDir: string): PackageJson {
  try {
    return JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return {};
  }
}

function resolveInPackage(packageDir: string, subpath: string): string | undefined {
  const pkg = readPackageJson(packageDir);
  if (pkg.exports !== undefined && pkg.exports !== null) {
    const target = resolveExports(pkg.exports, subpath);
    return target !== undefined && isFile(path.join(packageDir, target)) ? path.join(packageDir, target) : undefined;
  }
  if (subpath === '.') {
    const main = typeof pkg.main === 'string' ? pkg.main : undefined;
    const candidates = main
      ? [main, `${main}.js`, `${main}.json`, path.join(main, 'index.js'), path.join(main, 'index.json'), 'index.js']
      : ['index.js', 'index.json'];
    return candidates.map((candidate) => path.join(packageDir, candidate)).find(isFile);
  }
  // No `exports`: a subpath names a file; be as lenient as `require` about its extension.
  const target = path.join(packageDir, subpath);
  return [target, `${target}.js`, `${target}.mjs`, `${target}.json`, path.join(target, 'index.js')].find(isFile);
}

/**
 * Node's PACKAGE_EXPORTS_RESOLVE for one subpath (`.` or `./x`) under the `node`, `import` and
 * `default` conditions (resolve.exports: patterns, arrays, `null` exclusions); undefined when the
 * package does not export it, or exports it only outside itself.
 */
export function resolveExports(exports: unknown, subpath: string): string | undefined {
  try {
    const targets = resolveExportsField({ name: 'package', exports } as Parameters<typeof resolveExportsField>[0], subpath, {
      conditions: ['node'],
    });
    return targets?.find((target) => target.startsWith('./'));
  } catch {
    return undefined; // "Missing <subpath> specifier": not exported
  }
}
