// `meta.permissions` (spec section 7): what a plugin may read and write beyond its own folder, and
// which environment variables it sees. Checked before any plugin code runs, then turned into the
// grant of the plugin's own host process (Node's permission model; see host/hostPool.ts).
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { HostGrant } from '../host/hostClient';
import type { SignedPermissions } from '../trust/attestation';

/**
 * The runtime's own files and other plugins' folders, relative to the workspace: no plugin may write
 * to them, whatever it declares (the trust keys live in aether.config.json).
 */
export const PROTECTED_PATHS = ['aether.config.json', '.aether', 'node_modules', 'plugins', 'package.json', 'package-lock.json'];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function within(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function realOrResolved(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** What is wrong with the declared permissions, one sentence each; empty when they may be granted. */
export function permissionProblems(permissions: SignedPermissions, workspaceRoot: string): string[] {
  const root = realOrResolved(path.resolve(workspaceRoot));
  const problems: string[] = [];
  const check = (kind: 'read' | 'write', declared: string): void => {
    const where = `meta.permissions.fs.${kind} "${declared}"`;
    if (declared.trim() === '' || path.isAbsolute(declared) || declared.startsWith('~')) {
      problems.push(`${where} must be a path relative to the workspace (e.g. "dist/")`);
      return;
    }
    const resolved = path.resolve(root, declared);
    // A declared folder that is a symbolic link is judged by where it leads.
    const real = realOrResolved(resolved);
    if (!within(root, resolved) || !within(root, real)) {
      problems.push(`${where} leads outside the workspace; a plugin may only be granted paths inside it`);
      return;
    }
    if (kind === 'read') return;
    if (real === root) {
      problems.push(
        `${where} is the whole workspace, which holds aether.config.json, .aether/ and the plugins; name the folders it writes`,
      );
      return;
    }
    const hit = PROTECTED_PATHS.find((p) => within(path.join(root, p), real) || within(real, path.join(root, p)));
    if (hit) {
      problems.push(`${where} covers ${hit}, which belongs to the runtime or to other plugins and is never writable by a plugin`);
    }
  };
  for (const declared of permissions.fs.read) check('read', declared);
  for (const declared of permissions.fs.write) check('write', declared);
  for (const name of permissions.env) {
    if (!ENV_NAME.test(name)) problems.push(`meta.permissions.env "${name}" is not an environment variable name`);
  }
  return problems;
}

/**
 * The grant of a plugin's host: read its own folder (for a verified plugin, the verified copy of it),
 * its compiled (sealed) cache entry, the runtime's bundles and the packages it imports, plus what it
 * declares; write only what it declares (which it may read too); see only the environment variables
 * it declares.
 */
export function grantOf(
  permissions: SignedPermissions,
  where: { workspaceRoot: string; pluginDir: string; readable: readonly string[] },
): HostGrant {
  const root = realOrResolved(path.resolve(where.workspaceRoot));
  const write = permissions.fs.write.map((p) => path.resolve(root, p));
  const read = [realOrResolved(where.pluginDir), ...where.readable, ...permissions.fs.read.map((p) => path.resolve(root, p)), ...write];
  return { read: [...new Set(read)].sort(), write: [...new Set(write)].sort(), env: [...permissions.env] };
}
