// The Testing view for plugin benchmarks (spec section 11): plugin → bench file → benchmark, discovered
// from `test/*.bench.yaml`, with one run profile, "Benchmark", that runs them through the runtime's
// `runBench` (what `aether dev plugin-bench` runs: the real isolated host, tinybench in the plugin's
// thread, the reference no-op, the baseline comparison). A run shows a progress notification that can
// cancel it, and its figures go to the Benchmarks panel, which keeps each plugin's last runs.
import * as vscode from 'vscode';
import path from 'node:path';
import type { BenchReport, BenchResult } from '../../../runtime/src/pluginBench';
import type { BenchPluginView, BenchRunView } from '../../webview/protocol';
import { embeddedRuntime, runtimeBundles } from '../embeddedRuntime';
import { Config } from '../config';
import type { Ctx } from '../ctx';

const BENCH_GLOB = '**/test/*.bench.yaml';
const HISTORY_KEY = 'aether.benchHistory';
/** Runs kept per plugin (in the workspace's extension state): what the panel charts beside the baseline. */
export const RUNS_KEPT = 10;
type ItemKind = 'plugin' | 'file' | 'case';

/** A run in progress, for the panel's progress line. */
export interface BenchProgress {
  dir: string;
  benchmark?: string;
  done: number;
  total: number;
}

export class BenchTests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController('aether.bench', 'AetherScript Benchmarks');
  private readonly kinds = new WeakMap<vscode.TestItem, ItemKind>();
  private readonly changed = new vscode.EventEmitter<BenchProgress | undefined>();
  /** Fires when a plugin's runs change or a run makes progress (undefined: no run in progress). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.controller, this.changed];

  constructor(private readonly ctx: Ctx) {
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
    };
    this.controller.refreshHandler = () => this.discover();
    this.controller.createRunProfile('Benchmark', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
    const watcher = vscode.workspace.createFileSystemWatcher(BENCH_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => isOwnFile(uri) && void this.loadFile(uri)),
      watcher.onDidChange((uri) => isOwnFile(uri) && void this.loadFile(uri)),
      watcher.onDidDelete((uri) => this.removeFile(uri)),
      vscode.workspace.onDidChangeTextDocument(
        (e) => e.document.fileName.endsWith('.bench.yaml') && this.loadFile(e.document.uri, e.document.getText()),
      ),
      // An open bench file gets its run buttons (and Run Test at Cursor works) before the Testing view
      // is ever shown, which is when the controller would otherwise discover it.
      vscode.workspace.onDidOpenTextDocument((document) => this.loadOpened(document)),
    );
    for (const document of vscode.workspace.textDocuments) this.loadOpened(document);
  }

  private loadOpened(document: vscode.TextDocument): void {
    if (document.uri.scheme === 'file' && document.fileName.endsWith('.bench.yaml') && isOwnFile(document.uri))
      void this.loadFile(document.uri, document.getText());
  }

  async discover(): Promise<void> {
    // The compile cache under .aether/ holds copies of plugin folders: not benchmarks of their own.
    const files = await vscode.workspace.findFiles(BENCH_GLOB, '**/{node_modules,.aether}/**');
    await Promise.all(files.map((uri) => this.loadFile(uri)));
  }

  /** Plugin folders with bench files, as found so far. */
  get pluginDirs(): string[] {
    const dirs: string[] = [];
    this.controller.items.forEach((item) => dirs.push(item.id));
    return dirs.sort();
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
    const parsed = embeddedRuntime().parseBenchFile(source, file);
    const plugin = this.pluginItem(dir);
    let fileItem = plugin.children.get(file);
    if (!fileItem) {
      fileItem = this.controller.createTestItem(file, path.basename(file), uri);
      this.kinds.set(fileItem, 'file');
      plugin.children.add(fileItem);
    }
    const error = parsed.diagnostics.find((d) => d.severity === 'error');
    fileItem.error = error ? new vscode.MarkdownString(`${error.range ? `line ${error.range.line}: ` : ''}${error.message}`) : undefined;
    const cases = (parsed.bench?.benchmarks ?? []).map((c) => {
      const item = this.controller.createTestItem(`${file}#${c.name}`, c.name, uri);
      item.range = new vscode.Range(c.range.line - 1, 0, c.range.line - 1, 0);
      item.description = c.iterations !== undefined ? `${c.iterations} iterations` : `${c.timeMs} ms`;
      this.kinds.set(item, 'case');
      return item;
    });
    if (parsed.bench || !error) fileItem.children.replace(cases);
  }

  private removeFile(uri: vscode.Uri): void {
    const dir = path.dirname(path.dirname(uri.fsPath));
    const plugin = this.controller.items.get(dir);
    plugin?.children.delete(uri.fsPath);
    if (plugin && plugin.children.size === 0) this.controller.items.delete(dir);
  }

  /** The "Benchmark Plugin" command and the panel's "Run" button: every benchmark of one plugin folder. */
  async runPluginDir(dir: string): Promise<void> {
    await this.discover();
    const item = this.controller.items.get(dir);
    if (!item) {
      void vscode.window.showWarningMessage(`AetherScript: ${vscode.workspace.asRelativePath(dir)} has no test/*.bench.yaml benchmarks.`);
      return;
    }
    const cts = new vscode.CancellationTokenSource();
    await this.run(new vscode.TestRunRequest([item]), cts.token);
    cts.dispose();
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('AetherScript: benchmarks run plugin code, which is disabled in an untrusted workspace.');
      return;
    }
    const excluded = new Set(request.exclude ?? []);
    const byPlugin = new Map<string, vscode.TestItem[]>();
    const add = (item: vscode.TestItem) => {
      if (excluded.has(item)) return;
      if (this.kinds.get(item) === 'case') {
        const dir = path.dirname(path.dirname(item.uri!.fsPath));
        byPlugin.set(dir, [...(byPlugin.get(dir) ?? []), item]);
      } else item.children.forEach(add);
    };
    // "Run All Tests" leaves benchmarks alone: they take seconds each and measure rather than test.
    // They run from their own items, Run Test at Cursor, or Benchmark Plugin.
    if (!request.include) return;
    request.include.forEach(add);
    if (byPlugin.size === 0) return;

    const run = this.controller.createTestRun(request);
    const abort = new AbortController();
    const total = [...byPlugin.values()].reduce((n, items) => n + items.length, 0);
    const counts = { ok: 0, failed: 0, notRun: 0 };
    const started = Date.now();
    this.ctx.panels.show('benchmarks');
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'AetherScript: benchmarking', cancellable: true },
        async (progress, progressToken) => {
          const cancel = [token, progressToken].map((t) => t.onCancellationRequested(() => abort.abort()));
          let done = 0;
          try {
            for (const [dir, items] of byPlugin) {
              if (abort.signal.aborted) break;
              const wanted = new Map(items.map((item) => [item.id, item]));
              const plugin = path.basename(dir);
              // One benchmark: ask for it alone; otherwise run the plugin's benchmarks and keep those wanted.
              const caseName = items.length === 1 && this.allCases(dir) > 1 ? items[0]!.label : undefined;
              for (const item of items) run.enqueued(item);
              const report = await embeddedRuntime().runBench(dir, {
                caseName,
                signal: abort.signal,
                bundles: runtimeBundles(this.ctx.extension.extensionPath),
                defaultLimits: Config.for(vscode.Uri.file(dir)).pluginLimits,
                onBenchmarkStart: (at) => {
                  const item = wanted.get(`${at.file}#${at.benchmark}`);
                  if (item) run.started(item);
                  progress.report({ message: `${plugin}: ${at.benchmark} (${done + 1}/${total})` });
                  this.changed.fire({ dir, benchmark: at.benchmark, done, total });
                },
                onBenchmark: (result) => {
                  const item = wanted.get(`${result.file}#${result.benchmark}`);
                  if (!item) return;
                  wanted.delete(item.id);
                  done++;
                  progress.report({ increment: 100 / total });
                  counts[result.status === 'ok' ? 'ok' : 'failed']++;
                  this.report(run, item, result);
                },
              });
              for (const d of report.diagnostics)
                run.appendOutput(`${d.file ?? dir}${d.range ? `:${d.range.line}:${d.range.column}` : ''} ${d.message}\r\n`);
              for (const note of report.notes) run.appendOutput(`${note}\r\n`);
              for (const item of wanted.values()) {
                counts.notRun++;
                if (report.status === 'cancelled' || abort.signal.aborted) run.skipped(item);
                else run.errored(item, new vscode.TestMessage(report.diagnostics[0]?.message ?? `not benchmarked (${report.status})`));
              }
              if (report.results.length > 0) await this.remember(dir, report);
            }
          } finally {
            for (const c of cancel) c.dispose();
          }
        },
      );
    } catch (error) {
      run.appendOutput(`benchmark run crashed: ${(error as Error).stack ?? error}\r\n`);
      this.ctx.log.error(`benchmark run failed: ${(error as Error).stack ?? error}`);
    } finally {
      run.end();
      this.changed.fire(undefined);
      this.ctx.log.info(
        `benchmark run ${abort.signal.aborted ? 'cancelled' : 'finished'}: ${counts.ok} ok, ${counts.failed} failed or slower, ${counts.notRun} not run, in ${Date.now() - started} ms`,
      );
    }
  }

  private allCases(dir: string): number {
    let count = 0;
    this.controller.items.get(dir)?.children.forEach((file) => (count += file.children.size));
    return count;
  }

  private report(run: vscode.TestRun, item: vscode.TestItem, result: BenchResult): void {
    const f = result.figures;
    if (f) {
      const ratio = result.relative ? `, ${result.relative.medianMs.toFixed(1)}x the reference no-op` : '';
      run.appendOutput(
        `[${result.benchmark}] median ${ms(f.medianMs)}, p99 ${ms(f.p99Ms)}, ${Math.round(f.opsPerSec).toLocaleString('en-US')} ops/s, ${f.samples} samples${ratio}\r\n`,
        undefined,
        item,
      );
    }
    const comparison = result.comparison && !result.comparison.skipped ? result.comparison : undefined;
    if (result.status === 'ok') {
      run.passed(item, result.durationMs);
      return;
    }
    const message = new vscode.TestMessage(
      result.status === 'slower' && comparison
        ? `slower than its baseline: ${ms(comparison.baselineMedianMs)} → ${ms(comparison.currentMedianMs)} (${comparison.ratio.toFixed(2)}x; ${Math.round(comparison.confidence * 100)}% confident ≥ ${comparison.lowerBound.toFixed(2)}x)`
        : (result.error ?? 'failed'),
    );
    if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
    run.failed(item, message, result.durationMs);
  }

  private history(): Record<string, BenchRunView[]> {
    return this.ctx.extension.workspaceState.get<Record<string, BenchRunView[]>>(HISTORY_KEY) ?? {};
  }

  private async remember(dir: string, report: BenchReport): Promise<void> {
    const all = this.history();
    const runs = [...(all[dir] ?? []), runView(report)].slice(-RUNS_KEPT);
    await this.ctx.extension.workspaceState.update(HISTORY_KEY, { ...all, [dir]: runs });
    this.changed.fire(undefined);
  }

  /**
   * What the Benchmarks panel shows: per plugin with bench files, its baseline and its last runs. A
   * plugin benchmarked only from the CLI so far shows its latest summary as its one run.
   */
  views(): BenchPluginView[] {
    const runtime = embeddedRuntime();
    const history = this.history();
    const dirs = new Set([...this.pluginDirs, ...Object.keys(history)]);
    const views: BenchPluginView[] = [];
    for (const dir of [...dirs].sort()) {
      const { baseline } = runtime.readBaseline(dir);
      let runs = history[dir] ?? [];
      if (runs.length === 0) {
        const latest = runtime.latestBenchSummary(dir);
        if (latest?.source === 'run') {
          runs = [
            {
              time: latest.time,
              referenceMedianMs: latest.reference.medianMs,
              cases: latest.benchmarks.map((b) => ({
                name: b.name,
                status: b.status,
                ...(b.error === undefined ? {} : { error: b.error }),
                medianMs: b.medianMs,
                p99Ms: b.p99Ms,
                opsPerSec: b.opsPerSec,
                ...(b.ratio === undefined ? {} : { ratio: b.ratio }),
              })),
            },
          ];
        }
      }
      if (runs.length === 0 && !baseline && !this.controller.items.get(dir)) continue;
      views.push({
        dir,
        plugin: baseline?.plugin ?? path.basename(dir),
        ...(baseline
          ? {
              baseline: {
                savedAt: baseline.savedAt,
                cases: Object.fromEntries(
                  Object.entries(baseline.benchmarks).map(([name, r]) => [
                    name,
                    { medianMs: r.medianMs, ...(r.ratio === undefined ? {} : { ratio: r.ratio }) },
                  ]),
                ),
              },
            }
          : {}),
        runs,
      });
    }
    return views;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function isOwnFile(uri: vscode.Uri): boolean {
  return !/[/\\](?:node_modules|\.aether)[/\\]/.test(uri.fsPath);
}

/** A report as the panel keeps it: figures only, no samples. */
function runView(report: BenchReport): BenchRunView {
  return {
    time: new Date().toISOString(),
    ...(report.reference ? { referenceMedianMs: report.reference.figures.medianMs } : {}),
    cases: report.results.map((r) => {
      const comparison = r.comparison && !r.comparison.skipped ? r.comparison : undefined;
      return {
        name: r.benchmark,
        status: r.status,
        ...(r.error === undefined ? {} : { error: r.error }),
        ...(r.figures ? { medianMs: r.figures.medianMs, p99Ms: r.figures.p99Ms, opsPerSec: r.figures.opsPerSec } : {}),
        ...(r.relative ? { ratio: r.relative.medianMs } : {}),
        ...(comparison
          ? { baselineMedianMs: comparison.baselineMedianMs, confidence: comparison.confidence, lowerBound: comparison.lowerBound }
          : {}),
      };
    }),
  };
}

function ms(value: number): string {
  if (value < 0.001) return `${(value * 1e6).toFixed(0)} ns`;
  if (value < 1) return `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} µs`;
  if (value < 1000) return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}
