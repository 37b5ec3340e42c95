// The resolved plugin load order of a workspace folder, with reasons, commands, overrides and hooks:
// what the editor's plugins panel shows (the `aether/loadOrder` request) and `plugins list --verbose` says.
import { commandsOf, describeOverrides } from '../../../runtime/src/plugins';
import type { LoadOrderEntry, LoadOrderResult, NotLoadedEntry } from '../../../runtime/src/model/loadOrder';
import { signedPermissions } from '../../../runtime/src/model/permissions';
import type { WorkspaceIndex } from '../../../runtime/src/workspace/workspaceIndex';

export type { LoadOrderEntry, LoadOrderResult, NotLoadedEntry };

export function getLoadOrder(index: WorkspaceIndex): LoadOrderResult {
  const plugins = index.ordered.map((p): LoadOrderEntry => ({
    name: p.meta.name,
    version: p.meta.version,
    order: p.order,
    reason: p.reason,
    dependencies: [...(p.dependencies ?? [])],
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
