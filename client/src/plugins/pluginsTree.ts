// The Plugins view (aether.plugins): Installed, then the Catalog of the configured registry, each row
// from pluginsModel.ts. The data lives in PluginService; this only draws it.
import * as vscode from 'vscode';
import { catalogRow, installedRow, type RowView } from './pluginsModel';
import type { PluginService } from './pluginService';

type Node =
  | { kind: 'section'; section: 'installed' | 'catalog' }
  | { kind: 'row'; row: RowView; section: 'installed' | 'catalog' }
  | { kind: 'message'; id: string; label: string; tooltip?: string; icon: vscode.ThemeIcon; command?: vscode.Command };

const warn = (id: string) => new vscode.ThemeIcon(id, new vscode.ThemeColor('problemsWarningIcon.foreground'));
const fail = (id: string) => new vscode.ThemeIcon(id, new vscode.ThemeColor('testing.iconFailed'));

export class PluginsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: PluginService) {
    this.subscription = service.onDidChange(() => this.changed.fire(undefined));
  }

  getChildren(node?: Node): Node[] {
    const s = this.service;
    if (!node)
      return [
        { kind: 'section', section: 'installed' },
        { kind: 'section', section: 'catalog' },
      ];
    if (node.kind !== 'section') return [];
    if (node.section === 'installed') {
      if (s.installedError)
        return [{ kind: 'message', id: 'installed-error', label: s.installedError, tooltip: s.installedError, icon: fail('error') }];
      if (!s.installed)
        return [{ kind: 'message', id: 'installed-loading', label: 'Reading the workspace…', icon: new vscode.ThemeIcon('loading~spin') }];
      if (s.installed.length === 0)
        return [{ kind: 'message', id: 'installed-none', label: 'No plugins in this workspace yet', icon: new vscode.ThemeIcon('info') }];
      return s.installed.map((p) => ({ kind: 'row', section: 'installed', row: installedRow(p, s.fullCatalog) }));
    }
    if (s.catalogError)
      return [
        {
          kind: 'message',
          id: 'catalog-error',
          label: s.catalogError,
          tooltip: `${s.catalogError}\n\nClick to ask the registry again.`,
          icon: fail('error'),
          command: { command: 'aether.plugins.refresh', title: 'Refresh' },
        },
      ];
    if (s.catalogLoading && !s.shownCatalog)
      return [{ kind: 'message', id: 'catalog-loading', label: 'Asking the registry…', icon: new vscode.ThemeIcon('loading~spin') }];
    const shown = s.shownCatalog ?? [];
    if (shown.length === 0)
      return [
        {
          kind: 'message',
          id: 'catalog-none',
          label: s.filter ? `No plugin matches "${s.filter}"` : 'No AetherScript plugins on this registry',
          icon: warn('search-stop'),
          command: { command: 'aether.plugins.search', title: 'Search' },
        },
      ];
    return shown.map((e) => ({ kind: 'row', section: 'catalog', row: catalogRow(e) }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const s = this.service;
    if (node.kind === 'section') {
      if (node.section === 'installed') {
        const item = new vscode.TreeItem('Installed', vscode.TreeItemCollapsibleState.Expanded);
        item.id = 'section-installed';
        item.description = s.installed ? `${s.installed.length}` : '';
        item.contextValue = 'section-installed';
        item.tooltip = 'The plugins this workspace loads: from node_modules and plugins/.';
        return item;
      }
      const item = new vscode.TreeItem('Catalog', vscode.TreeItemCollapsibleState.Expanded);
      item.id = 'section-catalog';
      item.description = [s.registry ?? '', s.filter ? `matching "${s.filter}"` : '', s.catalogLoading ? 'searching…' : '']
        .filter(Boolean)
        .join(' · ');
      item.contextValue = s.filter ? 'section-catalog-filtered' : 'section-catalog';
      item.tooltip = `AetherScript plugins (keyword aetherscript-plugin) on ${s.registry ?? 'the registry of your npm configuration'}, each checked from its tarball: attestation against your trusted keys, runtime range, permissions. Nothing is installed and no plugin code runs.`;
      return item;
    }
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.iconPath = node.icon;
      if (node.tooltip) item.tooltip = node.tooltip;
      if (node.command) item.command = node.command;
      item.contextValue = 'message';
      return item;
    }
    const { row } = node;
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = row.id;
    item.description = row.description;
    const tooltip = new vscode.MarkdownString(row.tooltip, true);
    item.tooltip = tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon.id, row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined);
    item.contextValue = row.contextValue;
    item.command = { command: 'aether.plugins.showDetail', title: 'Show Details', arguments: [row.name, node.section] };
    item.accessibilityInformation = { label: `${row.label}, ${row.description}` };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The plugin name a view/item/context command was invoked on (a tree node), or a string argument. */
export function pluginNameOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  const node = arg as Node | undefined;
  return node?.kind === 'row' ? node.row.name : undefined;
}
