// The resolved plugin load order of a workspace folder, with reasons, commands, overrides and hooks:
// what the editor's plugins panel shows (the `aether/loadOrder` request) and `plugins list --verbose` says.
import { commandsOf, describeOverrides, type CommandOverride } from '../../../runtime/src/plugins';
import { signedPermissions, type SignedPermissions } from '../../../runtime/src/model/permissions';
import type { WorkspaceIndex } from '../../../runtime/src/workspace/workspaceIndex';

/** One loaded plugin in its position. */
export interface LoadOrderEntry {
  name: string;
  version: string;
  /** 0-based load position. */
  order: number;
  reason: string;
  entry: string;
  source: 'local' | 'node_modules';
  commands: string[];
  hooks: string[];
  /** What the runtime will let it read, write and see (`meta.permissions`, canonical). */
  permissions: SignedPermissions;
}

/** A plugin found in the workspace that would not load, and why. */
export interface NotLoadedEntry {
  name?: string;
  entry: string;
  reasons: Array<{ code: string; message: string }>;
}

export interface LoadOrderResult {
  folder: string;
  plugins: LoadOrderEntry[];
  notLoaded: NotLoadedEntry[];
  overrides: CommandOverride[];
  /** Discovery problems not tied to one plugin (unreadable folders, bad package.json files). */
  problems: Array<{ code: string; message: string; file?: string }>;
}

export function getLoadOrder(index: WorkspaceIndex): LoadOrderResult {
  const plugins = index.ordered.map((p) => ({
    name: p.meta.name,
    version: p.meta.version,
    order: p.order,
    reason: p.reason,
    entry: p.entry,
    source: p.source,
    commands: Object.keys(commandsOf(p.meta)),
    hooks: [...(p.meta.hooks ?? [])],
    permissions: signedPermissions(p.meta.permissions),
  }));
  const notLoaded = index.plugins
    .filter((p) => !(p.meta && index.isLoaded(p.meta.name)) || p.loadErrors.length > 0)
    .map((p) => {
      const name = p.meta?.name ?? (p.source.metaValue as { name?: unknown } | undefined)?.name;
      const entry: NotLoadedEntry = { entry: p.candidate.entry, reasons: p.loadErrors.map((d) => ({ code: d.code, message: d.message })) };
      if (typeof name === 'string') entry.name = name;
      return entry;
    });
  const problems = index.diagnostics
    .filter((d) => !d.plugin || !index.plugin(d.plugin))
    .map((d) => ({ code: d.code, message: d.message, ...(d.file ? { file: d.file } : {}) }));
  return { folder: index.root, plugins, notLoaded, overrides: describeOverrides(index.commands), problems };
}
