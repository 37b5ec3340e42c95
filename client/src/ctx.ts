// Everything the extension owns while active: the language client, the runs, the panels, the test
// controller, the status bar, the log, and every disposable. `extension.ts` only creates it.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { loadBundle } from './lazy/loadBundle';
import { Config } from './config';
import { RunStore } from './runs/runStore';
import { RunsTreeProvider } from './runs/runsTree';
import { RunController } from './runs/runController';
import { PipelineCodeLens } from './runs/codeLens';
import { Panels } from './panels/panels';
import { SandboxTests } from './testing/sandboxTests';
import { BenchTests } from './testing/benchTests';
import { registerDebugging } from './debug/pipelineDebugging';
import { PluginService } from './plugins/pluginService';
import { PluginsTreeProvider } from './plugins/pluginsTree';
import { registerCatalogCompletion } from './plugins/catalogCompletion';

export const PIPELINE_LANGUAGE = 'aetherscript-pipeline';
export const pipelineSelector: vscode.DocumentSelector = [{ language: PIPELINE_LANGUAGE, scheme: 'file' }];

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly store: RunStore;
  readonly runs: RunController;
  readonly panels: Panels;
  readonly tests: SandboxTests;
  readonly benchmarks: BenchTests;
  readonly plugins: PluginService;
  /** Undefined until started, and while restarting. */
  client: LanguageClient | undefined;
  private readonly statusBar: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  /** ms from activate() entry to commands registered (the activation budget). */
  activationMs = 0;

  /**
   * `registerCommands` is the command table's registrar, handed in by `extension.ts` (as rust-analyzer
   * does), so the Ctx and the commands that use it do not import each other.
   */
  constructor(
    readonly extension: vscode.ExtensionContext,
    registerCommands: (ctx: Ctx) => void,
  ) {
    const started = performance.now();
    this.log = this.push(vscode.window.createOutputChannel('AetherScript', { log: true }));
    this.store = this.push(
      new RunStore(
        () => Config.for().runsKept,
        () => Config.for().traceEvents,
      ),
    );
    this.runs = this.push(new RunController(extension.extensionPath, this.store, this.log));
    this.panels = this.push(new Panels(this));
    this.tests = this.push(new SandboxTests(this));
    this.benchmarks = this.push(new BenchTests(this));
    this.statusBar = this.push(vscode.window.createStatusBarItem('aether.status', vscode.StatusBarAlignment.Left, 10));
    this.statusBar.name = 'AetherScript';
    this.push(vscode.window.registerTreeDataProvider('aether.runs', this.push(new RunsTreeProvider(this.store))));
    // The Plugins view reads the workspace and asks the registry when it is first shown, not before:
    // the registry bundle (npm's libraries) is never loaded by activation.
    this.plugins = this.push(new PluginService(this));
    const pluginsView = this.push(
      vscode.window.createTreeView('aether.plugins', {
        treeDataProvider: this.push(new PluginsTreeProvider(this.plugins)),
        showCollapseAll: false,
      }),
    );
    let pluginsShown = false;
    const showPlugins = () => {
      if (pluginsView.visible && !pluginsShown) {
        pluginsShown = true;
        void this.plugins.refresh();
      }
    };
    this.push(pluginsView.onDidChangeVisibility(showPlugins));
    setImmediate(showPlugins);
    this.push(registerCatalogCompletion(pipelineSelector, this.plugins));
    this.push(vscode.languages.registerCodeLensProvider(pipelineSelector, new PipelineCodeLens()));
    registerCommands(this);
    registerDebugging(this);
    this.push(this.store.onDidChange(() => this.updateStatus()));
    this.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.updateStatus()));
    this.updateStatus();
    this.activationMs = performance.now() - started;
  }

  push<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  /** Starts the language server without holding up activation; its failures go to the log. */
  async start(): Promise<void> {
    this.log.info(
      `AetherScript Studio activated in ${this.activationMs.toFixed(1)} ms${vscode.workspace.isTrusted ? '' : ' (untrusted workspace: validation only)'}`,
    );
    // Next turn of the event loop: the client library is parsed and the server process started after
    // activation has returned, so the commands and views never wait for them.
    setImmediate(() => void this.startClient());
  }

  async startClient(): Promise<void> {
    const { createLanguageClient, State } = loadBundle('languageClient');
    const client = createLanguageClient(this.extension.extensionPath, this.log, [
      { scheme: 'file', language: PIPELINE_LANGUAGE },
      { scheme: 'file', language: 'typescript' },
      { scheme: 'file', language: 'javascript' },
      // A plugin's bench and sandbox files: diagnostics and completion from the same service.
      { scheme: 'file', pattern: '**/test/*.{bench,sandbox}.{yaml,yml}' },
    ]);
    this.client = client;
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Stopped) this.log.warn('language server stopped');
      this.updateStatus();
    });
    try {
      await client.start();
      this.log.info('language server started');
    } catch (error) {
      this.log.error(`language server failed to start: ${(error as Error).message}`);
      this.log.show(true);
    }
    this.updateStatus();
  }

  async restartClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.dispose().catch(() => undefined);
    await this.startClient();
  }

  get serverRunning(): boolean {
    return this.client !== undefined && this.client.state === loadBundle('languageClient').State.Running;
  }

  private updateStatus(): void {
    const active = this.store.active;
    const latest = this.store.latest;
    const bar = this.statusBar;
    bar.backgroundColor = undefined;
    if (active.length > 0) {
      const run = active[0]!;
      const done = [...run.steps.values()].filter((s) => s.status !== 'pending' && s.status !== 'running').length;
      bar.text = `$(sync~spin) ${run.pipeline} ${done}/${run.steps.size}`;
      bar.tooltip = 'AetherScript: a run is in progress. Click to stop it.';
      bar.command = 'aether.stopRun';
    } else if (latest) {
      const icon = latest.phase === 'ok' ? '$(pass)' : latest.phase === 'cancelled' ? '$(debug-stop)' : '$(error)';
      bar.text = `${icon} ${latest.pipeline}`;
      bar.tooltip = `AetherScript: last run ${latest.phase}. Click for its hook traces.`;
      bar.command = { command: 'aether.runs.showTraces', title: 'Show Hook Traces', arguments: [latest.key] };
      if (latest.phase === 'failed' || latest.phase === 'invalid')
        bar.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else {
      bar.text = `$(${this.client && !this.serverRunning ? 'warning' : 'circuit-board'}) Aether`;
      bar.tooltip = vscode.workspace.isTrusted
        ? 'AetherScript: ready. Click to show the log.'
        : 'AetherScript: untrusted workspace — validation only, no plugin code runs.';
      bar.command = 'aether.showLog';
    }
    bar.show();
  }

  async dispose(): Promise<void> {
    await this.client?.dispose().catch(() => undefined);
    this.client = undefined;
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
