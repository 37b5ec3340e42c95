// Benchmarks: each plugin's benchmarks charted against their committed baseline and their last runs
// (spec section 11), from the Testing view's Benchmark profile (kept per workspace) or, until then, the
// latest `aether dev plugin-bench` summary. Updated as a run makes progress; "Run" benchmarks a plugin.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { PanelBase } from './panelBase';
import type { BenchProgress } from '../testing/benchTests';
import type { FromWebview, PanelState } from '../../webview/protocol';

export class BenchmarksPanel extends PanelBase {
  private running: BenchProgress | undefined;

  constructor(
    panel: vscode.WebviewPanel,
    private readonly ctx: Ctx,
    state: PanelState,
  ) {
    super('benchmarks', panel, ctx.extension.extensionUri, state);
    this.disposables.push(
      ctx.benchmarks.onDidChange((progress) => {
        this.running = progress;
        this.send();
      }),
    );
  }

  private send(): void {
    this.post({ type: 'benchmarks', plugins: this.ctx.benchmarks.views(), ...(this.running ? { running: this.running } : {}) });
  }

  protected onReady(): void {
    this.send();
    // Bench files not yet discovered (the Testing view was never opened) show up once found.
    void this.ctx.benchmarks.discover().then(() => this.send());
  }

  protected override onMessage(message: FromWebview): void {
    if (message.type === 'runBench') void vscode.commands.executeCommand('aether.benchPlugin', vscode.Uri.file(message.dir));
    else if (message.type === 'refresh') this.send();
  }

  protected override visibilityChanged(visible: boolean): void {
    if (visible) this.send();
  }
}
