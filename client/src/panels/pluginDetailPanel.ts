// A plugin's detail page: the registry's latest version checked from its tarball (README, commands,
// hooks, config schema, permissions, attestation, signed benchmark figures, runtime range) beside the
// workspace's copy, with the Install / Update / Remove button. One panel, showing one plugin at a time.
import type * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { PanelBase } from './panelBase';
import { newerVersion } from '../plugins/pluginsModel';
import type { FromWebview, PanelState, PluginAction, PluginDetail } from '../../webview/protocol';

export class PluginDetailPanel extends PanelBase {
  private detail: PluginDetail | undefined;
  private error: string | undefined;
  private loading = false;
  private busy: string | undefined;
  private request: AbortController | undefined;
  /** The plugin shown: the webview's 'ready' state may predate showPlugin (a new panel's initial state has none). */
  private current: string | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly ctx: Ctx,
    state: PanelState,
  ) {
    super('pluginDetail', panel, ctx.extension.extensionUri, state);
    this.current = state.plugin;
    this.disposables.push(
      ctx.plugins.onDidChange(() => this.send()),
      { dispose: () => this.request?.abort() },
    );
  }

  get plugin(): string | undefined {
    return this.current;
  }

  /** Shows another plugin (or the same one again, fetched afresh). */
  showPlugin(name: string): void {
    this.current = name;
    this.panel.title = `Plugin: ${name}`;
    this.detail = undefined;
    void this.load();
  }

  protected onReady(): void {
    this.current ??= this.state.plugin;
    if (!this.current) return;
    this.panel.title = `Plugin: ${this.current}`;
    if (this.loading || this.detail?.name === this.current) this.send();
    else void this.load();
  }

  protected override onMessage(message: FromWebview): void {
    if (message.type === 'refresh') void this.load();
    else if (message.type === 'pluginAction') void this.act(message.action, message.name);
  }

  private async act(action: PluginAction, name: string): Promise<void> {
    this.busy = { install: 'Installing…', update: 'Updating…', remove: 'Removing…' }[action];
    this.send();
    try {
      const service = this.ctx.plugins;
      if (action === 'install') await service.install(name);
      else if (action === 'update') await service.update(name);
      else await service.remove(name);
    } finally {
      this.busy = undefined;
      await this.load();
    }
  }

  private async load(): Promise<void> {
    const name = this.current;
    if (!name) return;
    this.request?.abort();
    const request = new AbortController();
    this.request = request;
    this.loading = true;
    this.error = undefined;
    this.send();
    try {
      if (!this.ctx.plugins.installed) await this.ctx.plugins.refreshInstalled();
      const detail = await this.ctx.plugins.inspect(name, request.signal);
      if (request.signal.aborted || this.current !== name) return;
      this.detail = detail;
    } catch (error) {
      if (request.signal.aborted) return;
      this.detail = undefined;
      this.error = (error as Error).message;
    } finally {
      if (this.request === request) {
        this.loading = false;
        this.send();
      }
    }
  }

  private send(): void {
    const name = this.current;
    if (!name) return;
    const installed = this.ctx.plugins.installedPlugin(name);
    const detail = this.detail?.name === name ? this.detail : undefined;
    const actions: PluginAction[] = [];
    if (installed?.source === 'node_modules') {
      if (detail && newerVersion(detail.version, installed.version)) actions.push('update');
      actions.push('remove');
    } else if (!installed && detail && detail.compatible && (detail.problems?.length ?? 0) === 0) actions.push('install');
    this.post({
      type: 'pluginDetail',
      name,
      ...(detail ? { detail } : {}),
      ...(installed ? { installed } : {}),
      actions,
      ...(this.loading ? { loading: true } : {}),
      ...(this.error ? { error: this.error } : {}),
      ...(this.busy ? { busy: this.busy } : {}),
    });
  }
}
