// The six panels: one instance each, created or revealed, and restored after a reload through
// a WebviewPanelSerializer per view type.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { PanelKind, PanelState } from '../../webview/protocol';
import { panelTitles, viewTypeOf, type PanelBase } from './panelBase';
import { LoadOrderPanel } from './loadOrderPanel';
import { HookTracesPanel } from './hookTracesPanel';
import { VisualizationsPanel } from './visualizationsPanel';
import { DebugPluginsPanel } from './debugPluginsPanel';
import { BenchmarksPanel } from './benchmarksPanel';
import { PluginDetailPanel } from './pluginDetailPanel';

const kinds: PanelKind[] = ['loadOrder', 'hookTraces', 'visualizations', 'debugPlugins', 'benchmarks', 'pluginDetail'];

export class Panels implements vscode.Disposable {
  private readonly open = new Map<PanelKind, PanelBase>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    for (const kind of kinds) {
      this.disposables.push(
        vscode.window.registerWebviewPanelSerializer(viewTypeOf(kind), {
          deserializeWebviewPanel: async (panel, state: PanelState | undefined) => {
            this.adopt(kind, panel, state ?? { kind });
          },
        }),
      );
    }
  }

  show(kind: PanelKind, options?: { runKey?: number; plugin?: string }): PanelBase {
    let panel = this.open.get(kind);
    if (panel) panel.reveal();
    else {
      const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
      const webviewPanel = vscode.window.createWebviewPanel(
        viewTypeOf(kind),
        panelTitles[kind],
        { viewColumn: column, preserveFocus: false },
        { enableScripts: true, retainContextWhenHidden: false },
      );
      panel = this.adopt(kind, webviewPanel, { kind });
    }
    if (panel instanceof HookTracesPanel && options?.runKey !== undefined) panel.select(options.runKey);
    if (panel instanceof PluginDetailPanel && options?.plugin !== undefined) panel.showPlugin(options.plugin);
    return panel;
  }

  private adopt(kind: PanelKind, webviewPanel: vscode.WebviewPanel, state: PanelState): PanelBase {
    const panel = this.create(kind, webviewPanel, state);
    this.open.set(kind, panel);
    panel.onDidDispose(() => this.open.get(kind) === panel && this.open.delete(kind));
    return panel;
  }

  private create(kind: PanelKind, webviewPanel: vscode.WebviewPanel, state: PanelState): PanelBase {
    switch (kind) {
      case 'loadOrder':
        return new LoadOrderPanel(webviewPanel, this.ctx, state);
      case 'hookTraces':
        return new HookTracesPanel(webviewPanel, this.ctx, state);
      case 'visualizations':
        return new VisualizationsPanel(webviewPanel, this.ctx, state);
      case 'debugPlugins':
        return new DebugPluginsPanel(webviewPanel, this.ctx, state);
      case 'benchmarks':
        return new BenchmarksPanel(webviewPanel, this.ctx, state);
      case 'pluginDetail':
        return new PluginDetailPanel(webviewPanel, this.ctx, state);
    }
  }

  dispose(): void {
    for (const panel of this.open.values()) panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
