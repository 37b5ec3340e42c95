// The Testing view for plugin sandbox cases (spec section 8): plugin → sandbox file → case, discovered
// from `test/*.sandbox.yaml`, kept in sync with the files, and run through the runtime's sandbox
// (`runSandbox`, what `aether dev plugin-test` runs), each case in a fresh isolated plugin instance.
import * as vscode from 'vscode';
import path from 'node:path';
import type { SandboxCaseResult } from '../../../runtime/src/sandbox/runSandbox';
import { embeddedRuntime, runtimeBundles } from '../embeddedRuntime';
import { Config } from '../config';
import type { Ctx } from '../ctx';

const SANDBOX_GLOB = '**/test/*.sandbox.yaml';
type ItemKind = 'plugin' | 'file' | 'case';

export class SandboxTests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('aether.sandbox', 'AetherScript Sandbox');
  private readonly kinds = new WeakMap<vscode.TestItem, ItemKind>();
  private readonly disposables: vscode.Disposable[] = [this.controller];

  constructor(private readonly ctx: Ctx) {
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
    };
    this.controller.refreshHandler = () => this.discover();
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
    // Debug: the cases' plugin host opens the Node inspector and waits for js-debug, so a breakpoint in
    // the plugin's source stops inside the case; timeouts are suspended meanwhile.
    this.controller.createRunProfile('Debug', vscode.TestRunProfileKind.Debug, (request, token) => this.run(request, token, true), true);
    const watcher = vscode.workspace.createFileSystemWatcher(SANDBOX_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => !/[/\\]\.aether[/\\]/.test(uri.fsPath) && void this.loadFile(uri)),
      watcher.onDidChange((uri) => !/[/\\]\.aether[/\\]/.test(uri.fsPath) && void this.loadFile(uri)),
      watcher.onDidDelete((uri) => this.removeFile(uri)),
      vscode.workspace.onDidChangeTextDocument(
        (e) => e.document.fileName.endsWith('.sandbox.yaml') && this.loadFile(e.document.uri, e.document.getText()),
      ),
    );
  }

  /** Inspector options whose host, once listening, gets js-debug attached; a failed attach cancels. */
  private attachOnListening(dir: string, abort: AbortController) {
    const runtime = embeddedRuntime();
    return {
      port: 0,
      brk: true,
      onListening: (url: string) => {
        const configuration = runtime.AetherDebugSession.pluginAttachConfiguration(
          Number(new URL(url).port),
          runtime.SANDBOX_CACHE_DIR,
        ) as vscode.DebugConfiguration;
        void vscode.debug
          .startDebugging(vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir)), {
            ...configuration,
            name: `Sandbox: ${path.basename(dir)}`,
          })
          .then((started) => started || abort.abort());
      },
    };
  }

  /** The discovery under way, which a run started meanwhile waits for. */
  private discovering: Promise<void> | undefined;

  discover(): Promise<void> {
    this.discovering ??= (async () => {
      // The compile cache under .aether/ may hold copies of plugin folders (test/ included): not cases of their own.
      const files = await vscode.workspace.findFiles(SANDBOX_GLOB, '**/{node_modules,.aether}/**');
      await Promise.all(files.map((uri) => this.loadFile(uri)));
    })().finally(() => (this.discovering = undefined));
    return this.discovering;
  }

  private pluginItem(dir: string): vscode.TestItem {
    let item = this.controller.items.get(dir);
    if (!item) {
      item = this.controller.createTestItem(dir, path.basename(dir), vscode.Uri.file(dir));
      item.description = vscode.workspace.asRelativePath(dir);
      this.kinds.set(item, 'plugin');
      this.controller.items.add(item);
    }
    return item;
  }

  private async loadFile(uri: vscode.Uri, text?: string): Promise<void> {
    const file = uri.fsPath;
    const dir = path.dirname(path.dirname(file));
    const source = text ?? new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const parsed = embeddedRuntime().parseSandboxFile(source, file);
    const plugin = this.pluginItem(dir);
    let fileItem = plugin.children.get(file);
    if (!fileItem) {
      fileItem = this.controller.createTestItem(file, path.basename(file), uri);
      this.kinds.set(fileItem, 'file');
      plugin.children.add(fileItem);
    }
    const error = parsed.diagnostics.find((d) => d.severity === 'error');
    fileItem.error = error ? new vscode.MarkdownString(`${error.range ? `line ${error.range.line}: ` : ''}${error.message}`) : undefined;
    const cases = (parsed.sandbox?.cases ?? []).map((c) => {
      const item = this.controller.createTestItem(`${file}#${c.name}`, c.name, uri);
      item.range = new vscode.Range(c.range.line - 1, 0, c.range.line - 1, 0);
      this.kinds.set(item, 'case');
      return item;
    });
    if (parsed.sandbox || !error) fileItem.children.replace(cases);
  }

  private removeFile(uri: vscode.Uri): void {
    const dir = path.dirname(path.dirname(uri.fsPath));
    const plugin = this.controller.items.get(dir);
    plugin?.children.delete(uri.fsPath);
    if (plugin && plugin.children.size === 0) this.controller.items.delete(dir);
  }

  /** The "Test Plugin" command: every case of one plugin folder. */
  async runPluginDir(dir: string): Promise<void> {
    await this.discover();
    const item = this.controller.items.get(dir);
    if (!item) {
      void vscode.window.showWarningMessage(`AetherScript: ${vscode.workspace.asRelativePath(dir)} has no test/*.sandbox.yaml cases.`);
      return;
    }
    const cts = new vscode.CancellationTokenSource();
    await this.run(new vscode.TestRunRequest([item]), cts.token);
    cts.dispose();
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken, debug = false): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('AetherScript: sandbox tests run plugin code, which is disabled in an untrusted workspace.');
      return;
    }
    // Run All straight after the Testing view opened: the cases may still be being discovered.
    if (!request.include && (this.discovering || this.controller.items.size === 0)) await this.discover();
    const run = this.controller.createTestRun(request);
    const excluded = new Set(request.exclude ?? []);
    // Gather the cases wanted, by plugin folder: each plugin's run compiles it once.
    const byPlugin = new Map<string, vscode.TestItem[]>();
    const add = (item: vscode.TestItem) => {
      if (excluded.has(item)) return;
      const kind = this.kinds.get(item);
      if (kind === 'case') {
        const dir = path.dirname(path.dirname(item.uri!.fsPath));
        byPlugin.set(dir, [...(byPlugin.get(dir) ?? []), item]);
      } else item.children.forEach(add);
    };
    if (request.include) request.include.forEach(add);
    else this.controller.items.forEach(add);

    const counts = { passed: 0, failed: 0, errored: 0 };
    const started = Date.now();
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => abort.abort());
    const bundles = runtimeBundles(this.ctx.extension.extensionPath);
    try {
      for (const [dir, items] of byPlugin) {
        if (token.isCancellationRequested) break;
        const wanted = new Map(items.map((item) => [item.id, item]));
        for (const item of items) run.started(item);
        const all = this.allCases(dir);
        // One case: ask the sandbox for it alone; otherwise run the plugin's cases and keep those wanted.
        const caseName = items.length === 1 && all > 1 ? items[0]!.label : undefined;
        const report = await embeddedRuntime().runSandbox(dir, {
          caseName,
          signal: abort.signal,
          bundles,
          defaultLimits: Config.for(vscode.Uri.file(dir)).pluginLimits,
          ...(debug ? { inspect: this.attachOnListening(dir, abort) } : {}),
          onCase: (result) => {
            const item = wanted.get(`${result.file}#${result.case}`);
            if (!item) return;
            wanted.delete(item.id);
            counts[result.status === 'passed' ? 'passed' : 'failed']++;
            this.report(run, item, result);
          },
        });
        for (const d of report.diagnostics)
          run.appendOutput(`${d.file ?? dir}${d.range ? `:${d.range.line}:${d.range.column}` : ''} ${d.message}\r\n`);
        for (const item of wanted.values()) {
          if (report.status === 'cancelled' || token.isCancellationRequested) run.skipped(item);
          else {
            const d = report.diagnostics[0];
            const message = new vscode.TestMessage(d ? d.message : `the sandbox did not run this case (${report.status})`);
            if (d?.file && d.range)
              message.location = new vscode.Location(vscode.Uri.file(d.file), new vscode.Position(d.range.line - 1, d.range.column - 1));
            run.errored(item, message);
            counts.errored++;
          }
        }
      }
    } catch (error) {
      run.appendOutput(`sandbox crashed: ${(error as Error).stack ?? error}\r\n`);
      this.ctx.log.error(`sandbox run failed: ${(error as Error).stack ?? error}`);
    } finally {
      cancel.dispose();
      run.end();
      this.ctx.log.info(
        `sandbox run ${token.isCancellationRequested ? 'cancelled' : 'finished'}: ${counts.passed} passed, ${counts.failed} failed, ${counts.errored} not run, in ${Date.now() - started} ms`,
      );
    }
  }

  private allCases(dir: string): number {
    let count = 0;
    this.controller.items.get(dir)?.children.forEach((file) => (count += file.children.size));
    return count;
  }

  private report(run: vscode.TestRun, item: vscode.TestItem, result: SandboxCaseResult): void {
    for (const log of result.logs) run.appendOutput(`[${result.case}] ${log.level}: ${log.message}\r\n`, undefined, item);
    if (result.status === 'passed') {
      run.passed(item, result.durationMs);
      return;
    }
    const messages = result.failures.map((failure) => {
      const message = vscode.TestMessage.diff(failure.message, stringify(failure.expected), stringify(failure.actual));
      if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
      return message;
    });
    if (messages.length === 0) messages.push(new vscode.TestMessage(result.error ?? 'failed'));
    run.failed(item, messages, result.durationMs);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function stringify(value: unknown): string {
  if (value === undefined) return '(nothing)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}
