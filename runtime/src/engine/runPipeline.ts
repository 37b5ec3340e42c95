// One run, end to end: validate the pipeline, start the run record, load the plugins in their
// isolated host, check the pipeline against them, execute, and always finish with `run-end`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { AetherEvent, PluginErrorEvent, RunStatus } from '../model/events';
import type { JsonValue } from '../model/plugin';
import { parsePipeline } from '../pipeline';
import type { HostNotification, InspectOptions } from '../host/hostClient';
import { PluginHosts } from '../host/hostPool';
import { findWorkspaceRoot, readConfig } from '../config/workspace';
import { RUNTIME_VERSION } from '../version';
import { EventStream } from './eventStream';
import { RunRecord, newRunId } from './runRecord';
import { DebugLog, resolveDebugLogFile } from './debugLog';
import { loadPlugins, type PluginSet } from './pluginSet';
import { catalogOfLoadedPlugins, checkPipelineAgainstPlugins } from './pipelineCheck';
import { PipelineRunner, type StepDebugger, describeFault } from './runner';
import { defaultBundles, type RuntimeBundles } from './runtimePaths';
import { heapLimitOf, SPEC_DEFAULT_LIMITS, type LimitDefaults } from './limits';
import { validateFiles } from '../workspace/validateFiles';
import type { TrustPolicy } from '../trust/attestation';

export interface RunOptions {
  /** The pipeline file. */
  file: string;
  /** Defaults to the workspace found from the pipeline's folder. */
  workspaceRoot?: string;
  /** Trace every plugin call, hook, state write, worker and limit into plugins.log. */
  debugPlugins?: boolean;
  /** Aborting it cancels the run: `ctx.signal` fires, then hosts stop after `cancelGraceMs`. */
  signal?: AbortSignal;
  cancelGraceMs?: number;
  onEvent?: (event: AetherEvent) => void;
  bundles?: RuntimeBundles;
  env?: NodeJS.ProcessEnv;
  /** Overrides `aether.trust.policy` of the workspace (the editor's setting); keys still come from it. */
  trustPolicy?: TrustPolicy;
  /** Limits for plugins that neither their meta nor the pipeline sets (the editor's settings). */
  defaultLimits?: Partial<LimitDefaults>;
  /** Pauses the run at steps (the debug adapter, spec section 10). */
  debugger?: StepDebugger;
  /**
   * Opens the Node inspector for plugin code (`--inspect`, the adapter's `debugPlugins`): all plugins
   * in one host without the permission model, their timeouts suspended; the run says so.
   */
  inspect?: InspectOptions;
}

export type ExitCode = 0 | 1 | 2 | 130;

export interface RunResult {
  /** `invalid`: the pipeline, the configuration or a plugin is wrong (exit code 2). */
  status: RunStatus | 'invalid';
  exitCode: ExitCode;
  diagnostics: AetherDiagnostic[];
  runId?: string;
  recordFile?: string;
  debugLogFile?: string;
  error?: string;
}

const errorsIn = (diagnostics: AetherDiagnostic[]) => diagnostics.filter((d) => d.severity === 'error');

const pluginErrorEvent = (d: AetherDiagnostic): Omit<PluginErrorEvent, 'time'> => ({
  type: 'plugin-error',
  plugin: d.plugin,
  code: d.code,
  message: d.message,
  file: d.file,
  ...(d.range ? { line: d.range.line, column: d.range.column } : {}),
});

/** What `aether validate` reports for the pipeline: its own errors and the plugin-aware ones. */
async function staticDiagnostics(file: string): Promise<AetherDiagnostic[]> {
  const [result] = await validateFiles([file]);
  // What only the editor shows (overrides as information) is not a reason a run refuses.
  return (result?.diagnostics ?? []).filter((d) => d.severity === 'error' || d.severity === 'warning');
}

export async function runPipeline(options: RunOptions): Promise<RunResult> {
  const file = path.resolve(options.file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const message = `cannot read pipeline ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`;
    return {
      status: 'invalid',
      exitCode: 2,
      error: message,
      diagnostics: [{ code: 'pipeline/unreadable', severity: 'error', message, file }],
    };
  }
  const parsed = parsePipeline(text, file);
  const defaultLimits: LimitDefaults = { ...SPEC_DEFAULT_LIMITS, ...options.defaultLimits };
  const workspaceRoot = path.resolve(options.workspaceRoot ?? findWorkspaceRoot(path.dirname(file)));
  if (!parsed.pipeline || errorsIn(parsed.diagnostics).length > 0) {
    const name = parsed.document.get('name');
    // Every independent error at once, as `aether validate` reports them: the plugin-aware checks
    // too, from the workspace read statically (no plugin code runs for a pipeline that cannot run).
    const all = await staticDiagnostics(file).catch(() => undefined);
    const diagnostics = all && errorsIn(all).length >= errorsIn(parsed.diagnostics).length ? all : parsed.diagnostics;
    const error = errorsIn(diagnostics)[0]?.message ?? 'the pipeline is not valid';
    return rejectedRun(options, file, workspaceRoot, typeof name === 'string' ? name : path.basename(file), diagnostics, error);
  }
  const pipeline = parsed.pipeline;
  let config;
  try {
    config = readConfig(workspaceRoot);
  } catch (error) {
    const diagnostics = (error as { diagnostics?: AetherDiagnostic[] }).diagnostics ?? [];
    return rejectedRun(options, file, workspaceRoot, pipeline.name, diagnostics, (error as Error).message);
  }

  const runId = newRunId();
  const record = new RunRecord(workspaceRoot, runId);
  const debugLog = options.debugPlugins ? new DebugLog(resolveDebugLogFile(workspaceRoot, options.env), runId) : undefined;
  const events = new EventStream(debugLog ? [record, debugLog] : [record]);
  if (options.onEvent) events.on(options.onEvent);
  const started = performance.now();
  const diagnostics: AetherDiagnostic[] = [...parsed.diagnostics];
  const result: RunResult = { status: 'failed', exitCode: 1, diagnostics, runId, recordFile: record.file, debugLogFile: debugLog?.file };

  events.emit({ type: 'run-start', pipeline: pipeline.name, file, runId, debugLog: debugLog?.file });
  if (options.inspect) {
    events.emit({
      type: 'warning',
      message:
        "plugin code is being debugged: call timeouts are suspended (a plugin paused at a breakpoint is not stopped) and meta.permissions are not enforced (Node's inspector is not available under its permission model)",
    });
  }

  const state = new Map<string, JsonValue>();
  const pluginNames = new Map<number, string>();
  let set: PluginSet | undefined;
  const bundles = options.bundles ?? defaultBundles();
  const host = new PluginHosts({
    ...(options.inspect ? { inspect: options.inspect } : {}),
    hostModule: bundles.hostModule,
    cwd: workspaceRoot,
    onNotification: (message) => relay(message),
    onCrash: (crash) => {
      for (const pluginId of crash.pluginIds) {
        const plugin = set?.byId.get(pluginId);
        const name = plugin?.meta.name ?? pluginNames.get(pluginId) ?? `plugin #${pluginId}`;
        const stepId = crash.calls.find((call) => call.pluginId === pluginId)?.tag;
        if (crash.outOfMemory)
          events.emit({ type: 'limit', plugin: name, kind: 'heap', limit: heapLimitOf(plugin?.meta, pipeline, defaultLimits), stepId });
        debugLog?.trace(
          `host-crash plugin=${JSON.stringify(name)} code=${crash.code} signal=${crash.signal} outOfMemory=${crash.outOfMemory}`,
        );
      }
    },
  });

  const nameOf = (pluginId: number) => set?.byId.get(pluginId)?.meta.name ?? pluginNames.get(pluginId) ?? `plugin #${pluginId}`;
  function relay(message: HostNotification): void {
    const plugin = nameOf(message.pluginId);
    const stepId = host.tagOf(message.callId);
    switch (message.type) {
      case 'log':
        events.emit({ type: 'log', plugin, level: message.level, message: message.message, stepId });
        return;
      case 'state-set':
        state.set(message.key, message.value);
        events.emit({ type: 'state', key: message.key, plugin, stepId, value: message.value });
        return;
      case 'metrics':
        for (const point of message.points) {
          const { time: _time, callId, ...fields } = point as typeof point & { time?: number; callId?: number };
          events.emit({ type: 'metric', plugin, ...fields, stepId: host.tagOf(callId) ?? stepId });
        }
        if (message.dropped > 0) {
          events.emit({
            type: 'log',
            plugin,
            level: 'warn',
            message: `ctx.visualize dropped ${message.dropped} oldest points: the dashboard could not keep up`,
          });
        }
        return;
      case 'limit':
        events.emit({ type: 'limit', plugin, kind: message.kind, limit: message.limit, stepId });
        return;
      case 'worker':
        debugLog?.trace(
          `worker-${message.phase} plugin=${JSON.stringify(plugin)} step=${stepId ?? '-'} module=${JSON.stringify(message.module)}` +
            (message.phase === 'end'
              ? ` status=${message.status} durationMs=${message.durationMs?.toFixed(1)}${message.error ? ` error=${JSON.stringify(message.error)}` : ''}`
              : ''),
        );
        return;
    }
  }

  const signal = options.signal ?? new AbortController().signal;
  const onAbort = () => {
    host.abort('the run was cancelled');
    const grace = setTimeout(
      () => host.kill('was stopped: the run was cancelled and the grace period ran out'),
      options.cancelGraceMs ?? 3000,
    );
    grace.unref();
  };
  signal.addEventListener('abort', onAbort, { once: true });

  try {
    const loaded = await loadPlugins({
      workspaceRoot,
      config,
      host,
      apiModule: bundles.apiModule,
      runtimeVersion: RUNTIME_VERSION,
      pipeline,
      pluginNames,
      trustPolicy: options.trustPolicy,
      defaultLimits,
    });
    set = loaded.set;
    diagnostics.push(...loaded.diagnostics);
    for (const diagnostic of loaded.diagnostics) {
      if (diagnostic.severity === 'error') events.emit(pluginErrorEvent(diagnostic));
      else events.emit({ type: 'warning', plugin: diagnostic.plugin, message: diagnostic.message });
    }
    for (const plugin of set.plugins) {
      events.emit({
        type: 'plugin-load',
        name: plugin.meta.name,
        version: plugin.meta.version,
        order: plugin.order,
        reason: plugin.reason,
        entry: plugin.entry,
        attestation: plugin.attestation?.status,
      });
    }
    const loadFaultMessages = loaded.faults.map(
      (fault) => `plugin "${fault.plugin}" ${describeFault(fault.fault, 'while loading', heapLimitOf(undefined, pipeline, defaultLimits))}`,
    );
    loaded.faults.forEach((fault, i) => {
      events.emit({ type: 'plugin-error', plugin: fault.plugin, file: fault.entry, message: loadFaultMessages[i]! });
    });

    const loadErrors = errorsIn(loaded.diagnostics);
    // Checked against the plugins that did load, even when others did not: the pipeline's own
    // mistakes are reported in the same pass as the plugins'. A plugin refused for what its files
    // say (meta, dependencies) is known to the static check too, which names the steps that need it
    // as `aether validate` and the editor do.
    const configBroken = loadErrors.some((d) => d.code.startsWith('config/'));
    const refusedStatically = loadErrors.length > 0 && !configBroken;
    const checkErrors =
      loaded.faults.length > 0 || configBroken
        ? []
        : refusedStatically
          ? // The pipeline's own diagnostics: the plugins' are the loader's, above.
            errorsIn((await staticDiagnostics(file).catch(() => undefined)) ?? []).filter((d) => d.file === file || d.file === undefined)
          : errorsIn(checkPipelineAgainstPlugins(parsed, catalogOfLoadedPlugins(set, loaded), RUNTIME_VERSION));
    diagnostics.push(...checkErrors);

    if (loadErrors.length > 0 || checkErrors.length > 0) {
      // Invalid input: nothing of the pipeline runs and no hook is called.
      const first = (loadErrors[0] ?? checkErrors[0])!;
      for (const diagnostic of checkErrors) events.emit(pluginErrorEvent(diagnostic));
      Object.assign(result, { status: 'invalid', exitCode: 2, error: first.message });
      events.emit({ type: 'run-end', status: 'failed', durationMs: elapsed(started), runId, error: first.message });
      return result;
    }

    const runner = new PipelineRunner({
      pipeline,
      plugins: set,
      host,
      events,
      workspaceRoot,
      signal,
      state,
      defaultLimits,
      debugger: options.debugger,
    });
    const outcome = loaded.faults.length > 0 ? await runner.failBeforeSteps(loadFaultMessages[0]!) : await runner.run();
    Object.assign(result, {
      status: outcome.status,
      error: outcome.error,
      exitCode: outcome.status === 'ok' ? 0 : outcome.status === 'cancelled' ? 130 : 1,
    });
    events.emit({ type: 'run-end', status: outcome.status, durationMs: elapsed(started), runId, error: outcome.error });
    return result;
  } catch (error) {
    // A bug of ours must still end the run properly and keep the record readable.
    const message = `internal error: ${(error as Error).stack ?? String(error)}`;
    Object.assign(result, { status: 'failed', exitCode: 1, error: message });
    events.emit({ type: 'run-end', status: 'failed', durationMs: elapsed(started), runId, error: message });
    return result;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await host.shutdown();
    events.close();
  }
}

/**
 * A run refused before anything ran (the pipeline or the configuration is invalid): its stream and
 * record still hold `run-start` and a final `run-end`, like every run; the reasons are the diagnostics.
 */
function rejectedRun(
  options: RunOptions,
  file: string,
  workspaceRoot: string,
  pipeline: string,
  diagnostics: AetherDiagnostic[],
  error: string,
): RunResult {
  const runId = newRunId();
  const record = new RunRecord(workspaceRoot, runId);
  const events = new EventStream([record]);
  if (options.onEvent) events.on(options.onEvent);
  events.emit({ type: 'run-start', pipeline, file, runId });
  events.emit({ type: 'run-end', status: 'failed', durationMs: 0, runId, error });
  events.close();
  return { status: 'invalid', exitCode: 2, diagnostics, error, runId, recordFile: record.file };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
