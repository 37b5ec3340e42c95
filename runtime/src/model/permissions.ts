// `meta.permissions` in canonical form (what is signed, compared and shown), with no Node imports so
// the editor's webviews can use it too. Enforcement lives in plugins/permissions.ts and host/.
import { compareCodePoints } from './codePoints';
import type { PluginPermissions } from './plugin';

/** `meta.permissions` with every list present, sorted and without duplicates: what is signed. */
export interface SignedPermissions {
  fs: { read: string[]; write: string[] };
  env: string[];
}

/** The canonical, signed form of `meta.permissions`. */
export function signedPermissions(permissions: PluginPermissions | undefined): SignedPermissions {
  const list = (values: unknown): string[] =>
    Array.isArray(values) ? [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort(compareCodePoints) : [];
  return { fs: { read: list(permissions?.fs?.read), write: list(permissions?.fs?.write) }, env: list(permissions?.env) };
}

export function samePermissions(a: SignedPermissions, b: SignedPermissions): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `read src/ · write dist/ · env REGION`, or what declaring nothing means. */
export function describePermissions(permissions: SignedPermissions | undefined): string {
  const p = permissions ?? signedPermissions(undefined);
  const parts = [
    p.fs.read.length ? `read ${p.fs.read.join(', ')}` : '',
    p.fs.write.length ? `write ${p.fs.write.join(', ')}` : '',
    p.env.length ? `env ${p.env.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'none (reads its own folder only, writes nowhere)';
}
