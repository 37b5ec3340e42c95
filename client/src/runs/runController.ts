// Runs pipelines in the embedded runtime (runtime/src/engine/runPipeline). Plugins execute in the
// runtime's isolated plugin hosts (child processes), so a plugin stuck in a loop costs a process, never
// the extension host; Stop Run aborts the run's AbortController, which is runPipeline's `signal`.
import * as vscode from 'vscode';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { embeddedRuntime, runtimeBundles } from '../embeddedRuntime';
import type { AetherEvent } from '../../../runtime/src/model/events';
import type { RunOptions, RunResult } from '../../../runtime/src/engine/runPipeline';
import type { AetherDiagnostic } from '../../../runtime/src/model/diagnostics';
import { Config } from '../config';
import type { RunState, RunStore } from './runStore';
import { formatDuration } from './runsTree';

export interface RunRequest {
  uri: vscode.Uri;
  debugPlugins: boolean;
  /** A debug session's run: paused by its debugger, cancelled by its signal, its events also to it. */
  debug?: Pick<RunOptions, 'debugger' | 'signal' | 'onEvent' | 'inspect'>;
}

export class RunController implements vscode.Disposable {
  /** Failed steps of the last run of each pipeline, at the step in the YAML. */
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('aether-run');
  private readonly disposables: vscode.Disposable[] = [this.diagnostics];

  constructor(
    private readonly extensionPath: string,
    private readonly store: RunStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // A run diagnostic describes the file as it was run; once edited, it may point at the wrong step.
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length > 0 && this.diagnostics.delete(e.document.uri)),
    );
  }

  /** Runs the pipeline; resolves when the run is over, whatever its outcome. */
  async run(request: RunRequest): Promise<(RunState & { result?: RunResult }) | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window
        .showWarningMessage(
          'AetherScript: running a pipeline executes plugin code, which is disabled in an untrusted workspace. Trust the workspace to run it.',
          'Manage Workspace Trust',
        )
        .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
      return undefined;
    }
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === request.uri.toString());
    if (document?.isDirty) await document.save();
    const file = request.uri.fsPath;
    const config = Config.for(request.uri);
    const text = readFileSync(file, 'utf8');
    const parsed = embeddedRuntime().parsePipeline(text, file);
    const controller = new AbortController();
    request.debug?.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    const run: RunState & { result?: RunResult } = this.store.start(
      file,
      parsed.pipeline?.name ?? path.basename(file),
      request.debugPlugins,
      parsed.pipeline?.steps ?? [],
      controller,
    );
    this.diagnostics.delete(request.uri);
    this.log.info(`▶ run ${path.basename(file)}${request.debugPlugins ? ' with debug plugins' : ''}`);
    await vscode.commands.executeCommand('setContext', 'aether.running', true);
    if (config.revealOutput === 'always') this.log.show(true);

    const policy = config.trustPolicy;
    const env = { ...process.env, ...(config.logDirectory ? { AETHER_LOG_DIR: config.logDirectory } : {}) };
    const onEvent = (event: AetherEvent): void => {
      this.store.record(run, event);
      this.logEvent(event);
      request.debug?.onEvent?.(event);
    };

    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `AetherScript: ${run.pipeline}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          const total = Math.max(run.steps.size, 1);
          const sub = this.store.onEvent(({ run: r, event }) => {
            if (r !== run || event.type !== 'step-end') return;
            progress.report({ increment: 100 / total, message: `${event.stepId} ${event.status}` });
          });
          try {
            return await embeddedRuntime().runPipeline({
              file,
              signal: controller.signal,
              debugPlugins: request.debugPlugins,
              cancelGraceMs: config.cancelGraceMs,
              // The editor's trust setting applies before any plugin code runs (not loaded, not stopped later).
              trustPolicy: policy === 'fromConfig' ? undefined : policy,
              defaultLimits: config.pluginLimits,
              bundles: runtimeBundles(this.extensionPath),
              env,
              onEvent,
              debugger: request.debug?.debugger,
              inspect: request.debug?.inspect,
            });
          } finally {
            sub.dispose();
          }
        },
      );
      run.result = result;
      const error = result.error;
      const phase = result.status;
      this.store.finish(run, phase, { recordFile: result.recordFile, debugLogFile: result.debugLogFile, error });
      this.publishDiagnostics(request.uri, text, run, result.diagnostics);
      this.log.info(
        `■ ${run.pipeline}: ${phase} in ${formatDuration(run.durationMs)}${result.recordFile ? ` (record ${result.recordFile})` : ''}`,
      );
      if (phase === 'ok') void vscode.window.setStatusBarMessage(`$(pass) ${run.pipeline} succeeded`, 5000);
      else if (phase !== 'cancelled') this.reportFailure(run, error);
      return run;
    } catch (error) {
      this.store.finish(run, 'failed', { error: (error as Error).message });
      this.log.error(`run of ${file} crashed in the editor: ${(error as Error).stack ?? error}`);
      this.reportFailure(run, (error as Error).message);
      return run;
    } finally {
      await vscode.commands.executeCommand('setContext', 'aether.running', this.store.active.length > 0);
    }
  }

  /** Stops one run, or every live one. */
  stop(key?: number): boolean {
    const targets = key === undefined ? this.store.active : this.store.active.filter((run) => run.key === key);
    for (const run of targets) {
      this.log.info(`stopping ${run.pipeline}`);
      run.controller?.abort();
    }
    return targets.length > 0;
  }

  private reportFailure(run: RunState, error: string | undefined): void {
    if (Config.for(vscode.Uri.file(run.file)).revealOutput !== 'never') this.log.show(true);
    const failed = [...run.steps.values()].filter((s) => s.status === 'failed').map((s) => s.id);
    const what = failed.length ? `step${failed.length > 1 ? 's' : ''} ${failed.join(', ')} failed` : (error ?? run.phase);
    void vscode.window
      .showErrorMessage(`AetherScript: ${run.pipeline} ${run.phase}: ${what}`, 'Show Log', 'Show Hook Traces')
      .then((pick) => {
        if (pick === 'Show Log') this.log.show();
        if (pick === 'Show Hook Traces') void vscode.commands.executeCommand('aether.runs.showTraces', run.key);
      });
  }

  private publishDiagnostics(uri: vscode.Uri, text: string, run: RunState, invalid: AetherDiagnostic[]): void {
    const parsed = embeddedRuntime().parsePipeline(text, uri.fsPath);
    const doc = { positionAt: (offset: number) => positionAt(text, offset) };
    const result: vscode.Diagnostic[] = [];
    for (const step of run.steps.values()) {
      // A stopped run's interrupted step says "cancelled", not what is wrong with the pipeline.
      if (step.status !== 'failed' || run.phase === 'cancelled') continue;
      const source = parsed.pipeline?.steps.find((s) => s.id === step.id);
      const range = source?.idRange ?? source?.range;
      const at = range ? new vscode.Range(doc.positionAt(range.start), doc.positionAt(range.end)) : new vscode.Range(0, 0, 0, 0);
      const diagnostic = new vscode.Diagnostic(
        at,
        `step "${step.id}" failed${step.plugin ? ` in plugin ${step.plugin}` : ''}: ${step.error ?? 'no error message'}`,
        vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = 'aether run';
      diagnostic.code = 'run/step-failed';
      result.push(diagnostic);
    }
    for (const d of invalid) {
      if (d.severity !== 'error' || (d.file && path.resolve(d.file) !== uri.fsPath)) continue;
      const at = d.range ? new vscode.Range(doc.positionAt(d.range.start), doc.positionAt(d.range.end)) : new vscode.Range(0, 0, 0, 0);
      const diagnostic = new vscode.Diagnostic(at, d.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'aether run';
      diagnostic.code = d.code;
      result.push(diagnostic);
    }
    this.diagnostics.set(uri, result);
  }

  private logEvent(event: AetherEvent): void {
    switch (event.type) {
      case 'run-start':
        this.log.info(`run ${event.runId} of ${event.pipeline}${event.debugLog ? ` — plugins.log: ${event.debugLog}` : ''}`);
        break;
      case 'plugin-load':
        this.log.debug(`plugin ${event.name}@${event.version} #${event.order}: ${event.reason}`);
        break;
      case 'plugin-error':
        this.log.error(`plugin ${event.plugin ?? '?'}: ${event.message}`);
        break;
      case 'step-start':
        this.log.info(`  ${event.stepId} → ${event.plugin}/${event.command}`);
        break;
      case 'step-end':
        (event.status === 'failed' ? this.log.error : this.log.info).call(
          this.log,
          `  ${event.stepId} ${event.status} in ${formatDuration(event.durationMs)}${event.error ? `: ${event.error}` : ''}${event.reason ? ` (${event.reason})` : ''}`,
        );
        break;
      case 'log': {
        const line = `    [${event.plugin}] ${event.message}`;
        ({ debug: this.log.debug, info: this.log.info, warn: this.log.warn, error: this.log.error })[event.level].call(this.log, line);
        break;
      }
      case 'limit':
        this.log.error(`  plugin ${event.plugin} hit its ${event.kind} limit (${event.limit}${event.kind === 'timeout' ? ' ms' : ' MB'})`);
        break;
      case 'warning':
        this.log.warn(event.message);
        break;
      case 'run-end':
        this.log.info(`run-end ${event.status} in ${formatDuration(event.durationMs)}${event.error ? `: ${event.error}` : ''}`);
        break;
    }
  }

  dispose(): void {
    this.stop();
    for (const d of this.disposables) d.dispose();
  }
}

function positionAt(text: string, offset: number): vscode.Position {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return new vscode.Position(line, Math.max(0, offset - lineStart));
}
