// All or nothing for installs: the workspace files an install may touch are snapshotted before npm
// runs and put back exactly as they were when anything fails (npm's error, a registry that goes away,
// a cancelled install, a verification or sync that refuses the result).
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_FILE } from '../config/workspace';

/** Files restored byte for byte (absent ones are removed again). */
export const SNAPSHOT_FILES = [CONFIG_FILE, 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'];

export interface WorkspaceSnapshot {
  /** Puts the workspace back as it was at the snapshot. */
  restore(): Promise<void>;
  /** Drops the backup (after success). */
  discard(): Promise<void>;
}

async function readOrUndefined(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Top-level package folders of node_modules (`name`, `@scope/name`), and whether node_modules exists. */
async function topLevelPackages(root: string): Promise<{ exists: boolean; names: Set<string> }> {
  const base = path.join(root, 'node_modules');
  const names = new Set<string>();
  let entries: string[];
  try {
    entries = await readdir(base);
  } catch {
    return { exists: false, names };
  }
  for (const entry of entries) {
    if (entry.startsWith('@')) {
      for (const inner of await readdir(path.join(base, entry)).catch(() => [] as string[])) names.add(`${entry}/${inner}`);
    } else {
      names.add(entry);
    }
  }
  return { exists: true, names };
}

/**
 * Snapshots the workspace before an install that may change `packages` (their node_modules folders are
 * copied aside when present; any other top-level folder npm adds is removed on restore).
 */
export async function snapshotWorkspace(root: string, packages: readonly string[]): Promise<WorkspaceSnapshot> {
  const files = new Map<string, Buffer | undefined>();
  for (const file of SNAPSHOT_FILES) files.set(file, await readOrUndefined(path.join(root, file)));
  const before = await topLevelPackages(root);
  const backup = await mkdtemp(path.join(os.tmpdir(), 'aether-install-backup-'));
  const saved: string[] = [];
  for (const name of packages) {
    if (!before.names.has(name)) continue;
    await mkdir(path.dirname(path.join(backup, name)), { recursive: true });
    await cp(path.join(root, 'node_modules', name), path.join(backup, name), { recursive: true, verbatimSymlinks: true });
    saved.push(name);
  }
  return {
    async restore() {
      const after = await topLevelPackages(root);
      for (const name of after.names) {
        if (!before.names.has(name)) await rm(path.join(root, 'node_modules', name), { recursive: true, force: true });
      }
      for (const name of saved) {
        const target = path.join(root, 'node_modules', name);
        await rm(target, { recursive: true, force: true });
        await mkdir(path.dirname(target), { recursive: true });
        await rename(path.join(backup, name), target).catch(() =>
          cp(path.join(backup, name), target, { recursive: true, verbatimSymlinks: true }),
        );
      }
      // Scope folders npm created and that are empty again.
      for (const name of after.names) {
        if (name.startsWith('@') && !before.names.has(name)) {
          const scope = path.join(root, 'node_modules', name.slice(0, name.indexOf('/')));
          if ((await readdir(scope).catch(() => ['?'])).length === 0) await rm(scope, { recursive: true, force: true });
        }
      }
      for (const [file, bytes] of files) {
        const target = path.join(root, file);
        if (bytes === undefined) await rm(target, { force: true });
        else {
          await mkdir(path.dirname(target), { recursive: true });
          await writeFile(target, bytes);
        }
      }
      if (!before.exists) {
        const left = await readdir(path.join(root, 'node_modules')).catch(() => undefined);
        if (left && left.length === 0) await rm(path.join(root, 'node_modules'), { recursive: true, force: true });
      }
      await rm(backup, { recursive: true, force: true });
    },
    async discard() {
      await rm(backup, { recursive: true, force: true });
    },
  };
}
