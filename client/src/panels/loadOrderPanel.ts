// Load order: the server's `aether/loadOrder` answer, drawn as a dependency graph in the webview.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { requestLoadOrder, type LoadOrderResult } from '../lspExt';
import { embeddedRuntime } from '../embeddedRuntime';
import { PanelBase } from './panelBase';
import type { FromWebview, PanelState } from '../../webview/protocol';

export class LoadOrderPanel extends PanelBase {
  constructor(
    panel: vscode.WebviewPanel,
    private readonly ctx: Ctx,
    state: PanelState,
  ) {
    super('loadOrder', panel, ctx.extension.extensionUri, state);
    // Plugins change on disk: the server re-indexes them; ask again shortly after.
    const watcher = vscode.workspace.createFileSystemWatcher('**/{aether.config.json,plugins/**/*.{ts,js,mjs,json}}');
    let timer: NodeJS.Timeout | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.refresh(), 500);
    };
    this.disposables.push(watcher, watcher.onDidChange(later), watcher.onDidCreate(later), watcher.onDidDelete(later), {
      dispose: () => clearTimeout(timer),
    });
  }

  protected onReady(): void {
    void this.refresh();
  }

  protected override onMessage(message: FromWebview): void {
    if (message.type === 'refresh') void this.refresh();
  }

  /** Each plugin's attestation, read from disk as the runtime would check it (no plugin code runs), after the graph is up. */
  private async sendAttestations(results: LoadOrderResult[]): Promise<void> {
    const statuses: Record<string, { status: string; message?: string }> = {};
    try {
      for (const result of results) {
        for (const plugin of await embeddedRuntime().readInstalledPlugins(result.folder)) {
          statuses[plugin.entry] = {
            status: plugin.attestation.status,
            ...(plugin.attestation.message ? { message: plugin.attestation.message } : {}),
          };
        }
      }
    } catch (error) {
      this.ctx.log.warn(`load order: attestations could not be read: ${(error as Error).message}`);
    }
    this.post({ type: 'attestations', statuses });
  }

  async refresh(): Promise<void> {
    const client = this.ctx.client;
    if (!client || !this.ctx.serverRunning) {
      // The server may still be starting; one retry once it is up.
      await client?.start().catch(() => undefined);
      if (!this.ctx.serverRunning) {
        this.post({
          type: 'loadOrder',
          results: [],
          error:
            'The AetherScript language server is not running. Run "AetherScript: Restart Language Server" and see the AetherScript log.',
        });
        return;
      }
    }
    try {
      const results = await requestLoadOrder(this.ctx.client!, {});
      this.post({ type: 'loadOrder', results });
      void this.sendAttestations(results);
    } catch (error) {
      this.post({ type: 'loadOrder', results: [], error: `aether/loadOrder failed: ${(error as Error).message}` });
    }
  }
}
