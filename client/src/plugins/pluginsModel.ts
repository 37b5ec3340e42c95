// The Plugins view as data: what each row of Installed and Catalog says (label, description, tooltip,
// icon, context value), and how an update refusal is put to the user. Pure (no `vscode` import), so the
// unit tests build rows from catalog entries directly; pluginsTree.ts turns them into TreeItems.
import type { CatalogEntry } from '../../../runtime/src/registry/types';
import type { SignedPermissions } from '../../../runtime/src/model/permissions';
import { describePermissions } from '../../../runtime/src/model/permissions';

export type { CatalogEntry };

/** A plugin of the workspace, read statically (client/src/plugins/installedPlugins.ts). */
export interface InstalledPlugin {
  name: string;
  version: string;
  source: 'local' | 'node_modules';
  dir: string;
  entry: string;
  packageName?: string;
  description?: string;
  attestation: { status: string; message?: string; keyId?: string };
  permissions: SignedPermissions;
  commands: string[];
  hooks: string[];
  /** Why its meta could not be read, when it could not. */
  problem?: string;
}

/** The three colours of trust the view and the Load Order graph use. */
export type TrustTone = 'verified' | 'unsigned' | 'failed';

/**
 * verified: a trusted signature covers it; unsigned: nothing vouches for it (no signature, an unknown
 * key, not checked, the registry could not be asked); failed: something is wrong (bad signature,
 * modified files, malformed attestation, another subject, a tarball failing npm's integrity).
 */
export function trustTone(status: string): TrustTone {
  if (status === 'verified') return 'verified';
  if (['unsigned', 'unknown-key', 'unchecked', 'unavailable'].includes(status)) return 'unsigned';
  return 'failed';
}

export const toneLabels: Record<TrustTone, string> = {
  verified: 'verified',
  unsigned: 'unsigned or unknown key',
  failed: 'failed verification',
};

/** A codicon and a theme colour id. */
export interface IconView {
  id: string;
  color?: string;
}

const toneIcons: Record<TrustTone, IconView> = {
  verified: { id: 'verified-filled', color: 'testing.iconPassed' },
  unsigned: { id: 'unverified', color: 'problemsWarningIcon.foreground' },
  failed: { id: 'error', color: 'testing.iconFailed' },
};

export interface RowView {
  id: string;
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  icon: IconView;
  /** `installed-npm`, `installed-npm-update`, `installed-local`, `catalog`, `catalog-installed`, `catalog-update`. */
  contextValue: string;
  /** The plugin's package name, which the actions take. */
  name: string;
}

/** Semver-ish comparison of release versions (x.y.z, a pre-release sorts before its release). */
export function newerVersion(candidate: string, current: string): boolean {
  const parse = (v: string) => {
    const [core = '', pre] = v.split('-', 2);
    return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre };
  };
  const a = parse(candidate);
  const b = parse(current);
  for (let i = 0; i < 3; i++) {
    const d = (a.nums[i] ?? 0) - (b.nums[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  if (a.pre === b.pre) return false;
  if (a.pre === undefined) return true;
  if (b.pre === undefined) return false;
  return a.pre > b.pre;
}

function permissionsLine(permissions: SignedPermissions | undefined): string {
  return describePermissions(permissions);
}

/** Short permissions for a description: `write dist/ · env REGION`, or nothing when it declares none. */
function permissionsBrief(permissions: SignedPermissions | undefined): string {
  if (!permissions) return '';
  const parts = [
    permissions.fs.write.length ? `write ${permissions.fs.write.join(',')}` : '',
    permissions.fs.read.length ? `read ${permissions.fs.read.join(',')}` : '',
    permissions.env.length ? `env ${permissions.env.join(',')}` : '',
  ].filter(Boolean);
  return parts.join(' · ');
}

const md = (text: string) => text.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');

/** The newest catalog version of an installed npm plugin, when newer than the installed one. */
export function updateFor(plugin: InstalledPlugin, catalog: readonly CatalogEntry[] | undefined): CatalogEntry | undefined {
  if (plugin.source !== 'node_modules') return undefined;
  const entry = catalog?.find((e) => e.name === (plugin.packageName ?? plugin.name));
  return entry && newerVersion(entry.version, plugin.version) ? entry : undefined;
}

export function installedRow(plugin: InstalledPlugin, catalog?: readonly CatalogEntry[]): RowView {
  const tone = trustTone(plugin.attestation.status);
  const update = updateFor(plugin, catalog);
  const perms = permissionsBrief(plugin.permissions);
  const description = [
    plugin.version,
    plugin.source === 'local' ? 'local' : undefined,
    plugin.attestation.status,
    update ? `update ${update.version}` : undefined,
    perms || undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const tooltip = [
    `**${md(plugin.name)}** ${md(plugin.version)} — ${plugin.source === 'local' ? 'local plugin (plugins/)' : 'npm package (node_modules)'}`,
    plugin.description ? md(plugin.description) : '',
    `$(${toneIcons[tone].id}) attestation: **${plugin.attestation.status}**${plugin.attestation.keyId ? ` (key \`${plugin.attestation.keyId.slice(0, 12)}\`)` : ''}${plugin.attestation.message ? ` — ${md(plugin.attestation.message)}` : ''}`,
    `permissions: ${md(permissionsLine(plugin.permissions))}`,
    `commands: ${plugin.commands.map((c) => `\`${c}\``).join(', ') || '—'}${plugin.hooks.length ? ` · hooks: ${plugin.hooks.join(', ')}` : ''}`,
    update ? `$(arrow-up) **${update.version}** is on the registry (${update.attestation.status})` : '',
    plugin.problem ? `$(warning) ${md(plugin.problem)}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    id: `installed:${plugin.entry}`,
    label: plugin.name,
    description,
    tooltip,
    icon: plugin.problem ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : toneIcons[tone],
    contextValue: plugin.source === 'local' ? 'installed-local' : update ? 'installed-npm-update' : 'installed-npm',
    name: plugin.packageName ?? plugin.name,
  };
}

export function catalogRow(entry: CatalogEntry): RowView {
  const tone = trustTone(entry.attestation.status);
  const installed = entry.installedVersion;
  const update = installed !== undefined && newerVersion(entry.version, installed);
  const unusable = !entry.compatible || (entry.problems?.length ?? 0) > 0;
  const perms = permissionsBrief(entry.permissions as SignedPermissions | undefined);
  const description = [
    entry.version,
    entry.attestation.status,
    !entry.compatible ? `incompatible (${entry.runtimeRange ?? '?'})` : undefined,
    installed !== undefined ? (update ? `installed ${installed}, update available` : 'installed') : undefined,
    perms || undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const tooltip = [
    `**${md(entry.name)}** ${md(entry.version)}${entry.registry ? ` on ${md(entry.registry)}` : ''}`,
    entry.description ? md(entry.description) : '',
    `$(${toneIcons[tone].id}) attestation: **${entry.attestation.status}**${entry.attestation.keyId ? ` (key \`${entry.attestation.keyId.slice(0, 12)}\`)` : ''}${entry.attestation.message ? ` — ${md(entry.attestation.message)}` : ''}`,
    `runtime: ${md(entry.runtimeRange ?? 'any')} — ${entry.compatible ? 'compatible with this runtime' : '**not compatible** with this runtime'}`,
    `permissions: ${md(permissionsLine(entry.permissions as SignedPermissions | undefined))}`,
    entry.commands?.length ? `commands: ${entry.commands.map((c) => `\`${c}\``).join(', ')}` : '',
    installed !== undefined ? `installed: ${md(installed)}${update ? ' — an update is available' : ''}` : '',
    ...(entry.problems ?? []).map((p) => `$(warning) ${md(p)}`),
    'Click for the detail page.',
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    id: `catalog:${entry.name}`,
    label: entry.name,
    description,
    tooltip,
    icon: unusable && tone !== 'failed' ? { id: 'circle-slash', color: 'problemsWarningIcon.foreground' } : toneIcons[tone],
    contextValue: installed === undefined ? (unusable ? 'catalog-unusable' : 'catalog') : update ? 'catalog-update' : 'catalog-installed',
    name: entry.name,
  };
}

/** Catalog entries matching a filter typed in the view (name, description, commands), best first. */
export function filterCatalog(entries: readonly CatalogEntry[], filter: string): CatalogEntry[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const text = (e: CatalogEntry) => [e.name, e.description ?? '', ...(e.commands ?? [])].join(' ').toLowerCase();
  return entries
    .filter((e) => words.every((w) => text(e).includes(w)))
    .sort((a, b) => trustRank(b) - trustRank(a) || a.name.localeCompare(b.name));
}

function trustRank(e: CatalogEntry): number {
  return { verified: 2, unsigned: 1, failed: 0 }[trustTone(e.attestation.status)] + (e.compatible ? 3 : 0);
}

/** What the editor asks when `updatePlugins` refused an update. */
export interface RefusalPrompt {
  /** One line for the modal's message. */
  message: string;
  /** The reasons and the diff, for the modal's detail. */
  detail: string;
  /** What "Update anyway" passes; both false when nothing the user can allow would help. */
  allowDowngrade: boolean;
  allowPermissions: boolean;
}

/** The CLI's hints (`pass --allow-downgrade to accept that`) say what to do on a command line; the editor offers a button. */
export function editorReason(reason: string): string {
  return reason
    .replace(/;\s*pass --allow-downgrade to accept that\./g, '.')
    .replace(/;\s*pass --allow-permissions to grant them\./g, '.')
    .replace(/\s+even with --allow-downgrade/g, ', whatever is allowed');
}

export function refusalPrompt(refused: { name: string; reason: string; diff: string }): RefusalPrompt {
  const allowDowngrade = refused.reason.includes('--allow-downgrade');
  const allowPermissions = refused.reason.includes('--allow-permissions');
  const what = [allowDowngrade ? 'a lower attestation status' : '', allowPermissions ? 'new permissions' : '']
    .filter(Boolean)
    .join(' and ');
  return {
    message: what ? `The update of ${refused.name} was refused: it brings ${what}.` : `The update of ${refused.name} was refused.`,
    detail: `${editorReason(refused.reason)}\n\nWhat changes:\n${refused.diff}`,
    allowDowngrade,
    allowPermissions,
  };
}
