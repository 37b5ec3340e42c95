// The file tree an attestation covers: every file of the plugin folder with its SHA-256, read once.
//
// Excluded, and so free to change after signing:
// - `aetherscript.attestation.json` at the folder's root (the attestation cannot cover itself);
// - any folder named `.git` (repository metadata), at any depth.
// Everything else counts, dotfiles and a bundled `node_modules` included: whatever the plugin can
// load from its own folder is pinned. A symbolic link counts as the file it points to when that is a
// regular file inside the plugin folder; a link to a folder, or one leading outside the folder, is
// refused, since the runtime would load content the attestation cannot pin.
//
// The bytes read here are the bytes the runtime verifies *and* compiles (see host/compile.ts): a file
// swapped on disk after it was hashed is never read again, so it cannot run as verified code.
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { compareCodePoints } from '../model/codePoints';
import { PluginFilesError } from './errors';

/** Name of the attestation file in a plugin folder. */
export const ATTESTATION_FILE = 'aetherscript.attestation.json';

const EXCLUDED_FOLDERS = new Set(['.git']);

/** A plugin larger than this is refused rather than read into memory (a package on npm is far smaller). */
export const MAX_PLUGIN_FILES = 20_000;
export const MAX_PLUGIN_BYTES = 256 * 1024 * 1024;

// Enough to keep the disk busy without running out of file descriptors on large plugins.
const READ_CONCURRENCY = 32;

/** One file of a plugin: POSIX path relative to the plugin folder, lowercase hex SHA-256 of its bytes. */
export interface FileDigest {
  path: string;
  sha256: string;
}

/** Every file of a plugin folder, read once: the digests and the very bytes they were computed from. */
export interface PluginTree {
  /** The folder's real path. */
  root: string;
  /** Sorted by code point of path. */
  files: FileDigest[];
  /** Relative POSIX path → contents. */
  contents: Map<string, Buffer>;
}

/** Reads and digests every file of the plugin folder; paths are sorted by code point. */
export async function readPluginTree(dir: string): Promise<PluginTree> {
  const root = await realpath(dir);
  const listed = await listPluginFiles(root);
  if (listed.length > MAX_PLUGIN_FILES) {
    throw new PluginFilesError(`the plugin folder has ${listed.length} files, more than the ${MAX_PLUGIN_FILES} a plugin may have`, '.');
  }
  const contents = new Map<string, Buffer>();
  let total = 0;
  const files = await mapLimited(listed, READ_CONCURRENCY, async (rel) => {
    const bytes = await readFile(path.join(root, rel)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      throw new PluginFilesError(`${rel} disappeared while the plugin folder was being read`, rel);
    });
    total += bytes.length;
    if (total > MAX_PLUGIN_BYTES) {
      throw new PluginFilesError(`the plugin folder holds more than ${MAX_PLUGIN_BYTES / 1024 / 1024} MB of files`, rel);
    }
    contents.set(rel, bytes);
    return { path: rel, sha256: sha256Hex(bytes) };
  });
  return { root, files, contents };
}

/** Digests every file of the plugin folder; paths are sorted by code point. */
export async function digestPluginFiles(dir: string): Promise<{ files: FileDigest[] }> {
  const { files } = await readPluginTree(dir);
  return { files };
}

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The relative POSIX paths `readPluginTree` covers, sorted by code point. */
export async function listPluginFiles(dir: string): Promise<string[]> {
  const root = await realpath(dir);
  const out: string[] = [];
  await walk(root, root, '', out);
  return out.sort(compareCodePoints);
}

async function walk(root: string, absDir: string, relDir: string, out: string[]): Promise<void> {
  const entries = await readdir(absDir, { withFileTypes: true });
  const subfolders: Promise<void>[] = [];
  for (const entry of entries) {
    const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    if (/[\n\r]/.test(entry.name)) {
      // A line break would make the canonical "<sha256>  <path>" list ambiguous.
      throw new PluginFilesError(`plugin file name ${JSON.stringify(rel)} contains a line break; rename it before signing`, rel);
    }
    if (rel === ATTESTATION_FILE) continue;
    if (entry.isDirectory()) {
      if (!EXCLUDED_FOLDERS.has(entry.name)) subfolders.push(walk(root, path.join(absDir, entry.name), rel, out));
    } else if (entry.isFile()) {
      out.push(rel);
    } else if (entry.isSymbolicLink()) {
      await checkLink(root, path.join(absDir, entry.name), rel);
      out.push(rel);
    }
    // Sockets, FIFOs and devices have no content to pin and are never part of a package: skipped.
  }
  await Promise.all(subfolders);
}

async function checkLink(root: string, abs: string, rel: string): Promise<void> {
  let target: string;
  try {
    target = await realpath(abs);
  } catch {
    throw new PluginFilesError(`${rel} in the plugin folder is a symbolic link to nothing; remove it or replace it with the file`, rel);
  }
  if (!target.startsWith(root + path.sep)) {
    throw new PluginFilesError(
      `${rel} in the plugin folder is a symbolic link leading outside the folder (${target}); copy the file in instead`,
      rel,
    );
  }
  if (!(await stat(target)).isFile()) {
    throw new PluginFilesError(`${rel} in the plugin folder is a symbolic link to a folder; attestations cover regular files only`, rel);
  }
}

export { compareCodePoints };

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
