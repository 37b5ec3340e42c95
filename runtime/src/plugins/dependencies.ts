// Installed packages a plugin imports from outside its own folder. The plugin's attestation does not
// cover them; under `require` each must be what npm installed from the workspace's lockfile, which
// records the `integrity` (SHA-512 of the tarball) npm checked when it installed it. The closure of
// their own dependencies is what the plugin's host may read besides its own folder.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

interface PackageJson {
  name?: unknown;
  version?: unknown;
  dependencies?: Record<string, unknown>;
  optionalDependencies?: Record<string, unknown>;
  peerDependencies?: Record<string, unknown>;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Where Node finds package `name` from `fromDir`: the nearest `node_modules/<name>` up the tree. */
function findPackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (isDirectory(candidate)) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** `packageDirs` and every package they depend on, transitively, as real paths. */
export function packageClosure(packageDirs: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = packageDirs.map((dir) => realpathSync(dir));
  while (queue.length > 0) {
    const dir = queue.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    const pkg = readJson<PackageJson>(path.join(dir, 'package.json'));
    const names = new Set([
      ...Object.keys(pkg?.dependencies ?? {}),
      ...Object.keys(pkg?.optionalDependencies ?? {}),
      ...Object.keys(pkg?.peerDependencies ?? {}),
    ]);
    for (const name of names) {
      const found = findPackage(name, dir);
      if (found && !seen.has(found)) queue.push(found);
    }
  }
  return [...seen].sort();
}

interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, { version?: string; integrity?: string; link?: boolean } | undefined>;
}

/** The nearest `package-lock.json` at or above `workspaceRoot`, with its folder. */
function findLockfile(workspaceRoot: string): { dir: string; lock: Lockfile } | undefined {
  for (let dir = path.resolve(workspaceRoot); ; dir = path.dirname(dir)) {
    const lock = readJson<Lockfile>(path.join(dir, 'package-lock.json'));
    if (lock?.packages) return { dir: realpathSync(dir), lock };
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Packages of `packageDirs` that the lockfile does not vouch for: not under the lockfile's folder,
 * not listed, listed without an `integrity` (a linked or local package), or installed at another
 * version than the lockfile's. One sentence each, naming the package and what to do.
 */
export function unlockedPackages(workspaceRoot: string, packageDirs: readonly string[]): string[] {
  if (packageDirs.length === 0) return [];
  const found = findLockfile(workspaceRoot);
  const problems: string[] = [];
  for (const dir of packageDirs) {
    const pkg = readJson<PackageJson>(path.join(dir, 'package.json'));
    const name = typeof pkg?.name === 'string' ? pkg.name : path.basename(dir);
    if (!found) {
      problems.push(`package ${name} (${dir}) is not covered: the workspace has no package-lock.json; install dependencies with npm`);
      continue;
    }
    const key = path.relative(found.dir, dir).split(path.sep).join('/');
    const entry = key.startsWith('..') ? undefined : found.lock.packages?.[key];
    if (!entry) {
      problems.push(`package ${name} (${dir}) is not in ${path.join(found.dir, 'package-lock.json')}; install it with npm install`);
    } else if (typeof entry.integrity !== 'string' || entry.integrity === '') {
      problems.push(
        `package ${name} (${key}) has no integrity in package-lock.json (a linked or local package); publish it, or move it into the plugin folder`,
      );
    } else if (entry.version !== pkg?.version) {
      problems.push(
        `package ${name} (${key}) is installed at ${String(pkg?.version)} but package-lock.json records ${entry.version}; run npm ci`,
      );
    }
  }
  return problems;
}
