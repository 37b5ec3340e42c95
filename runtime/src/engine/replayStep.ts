// Replay one step of a recorded run (issue 13): the step's plugin in a fresh isolated instance, called
// with the input, config and state the run record says the step had, optionally under the Node
// inspector (so the plugin's own breakpoints stop inside it), and its new outcome beside the recorded
// one. The record is `.aether/runs/<runId>.ndjson`; its step-end events carry the input and config,
// its state events the values written.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AetherEvent, StepEndEvent } from '../model/events';
import type { JsonValue } from '../model/plugin';
import { AetherInputError, type AetherDiagnostic } from '../model/diagnostics';
import { parsePipeline } from '../pipeline';
import { findWorkspaceRoot, readConfig } from '../config/workspace';
import type { InspectOptions } from '../host/hostClient';
import { PluginHosts } from '../host/hostPool';
import { RUNTIME_VERSION } from '../version';
import { loadPlugins } from './pluginSet';
import { callLimitsOf } from './limits';
import { describeFault } from './runner';
import { defaultBundles, type RuntimeBundles } from './runtimePaths';

export interface ReplayOptions {
  recordFile: string;
  stepId: string;
  bundles?: RuntimeBundles;
  inspect?: InspectOptions;
  /** Stops the replay (its plugin host) at once. */
  signal?: AbortSignal;
}

export interface StepOutcomeOf {
  status: 'ok' | 'failed' | 'skipped';
  output?: JsonValue;
  error?: string;
}

export interface ReplayResult {
  stepId: string;
  plugin: string;
  command: string;
  /** What the step was called with, from the record. */
  input: JsonValue;
  config: JsonValue;
  state: Record<string, JsonValue>;
  recorded: StepOutcomeOf;
  replayed: StepOutcomeOf;
  /** The new output (or error) is the recorded one. */
  same: boolean;
  /** Why plugins did not load, when they did not. */
  diagnostics: AetherDiagnostic[];
}

function readRecord(file: string): AetherEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AetherInputError(`cannot read the run record ${file}: ${(error as Error).message}`);
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as AetherEvent];
      } catch {
        return []; // a line cut short by a crash: the rest of the record still counts
      }
    });
}

export async function replayStep(options: ReplayOptions): Promise<ReplayResult> {
  const events = readRecord(options.recordFile);
  const start = events.find((e): e is Extract<AetherEvent, { type: 'run-start' }> => e.type === 'run-start');
  if (!start) throw new AetherInputError(`${options.recordFile} is not a run record: it has no run-start event`);
  const ended = events.filter((e): e is StepEndEvent => e.type === 'step-end' && e.stepId === options.stepId).at(-1);
  if (!ended) throw new AetherInputError(`the run ${start.runId} has no step "${options.stepId}"`);
  if (ended.input === undefined) {
    throw new AetherInputError(
      `step "${options.stepId}" of run ${start.runId} was ${ended.status === 'skipped' ? 'skipped, so it has no input to replay' : 'recorded without its input (by an older runtime); run the pipeline again to record one'}`,
    );
  }
  // The state as the step saw it: every value written before the step started.
  const state: Record<string, JsonValue> = {};
  for (const event of events) {
    if (event.type === 'step-start' && event.stepId === options.stepId) break;
    if (event.type === 'state' && event.value !== undefined) state[event.key] = event.value;
  }

  const file = start.file;
  const workspaceRoot = findWorkspaceRoot(path.dirname(file));
  const pipeline = (() => {
    try {
      return parsePipeline(readFileSync(file, 'utf8'), file).pipeline;
    } catch {
      return undefined; // the pipeline file is gone: default limits
    }
  })();
  const bundles = options.bundles ?? defaultBundles();
  const host = new PluginHosts({
    ...(options.inspect ? { inspect: options.inspect } : {}),
    hostModule: bundles.hostModule,
    cwd: workspaceRoot,
    onNotification: () => {},
    onCrash: () => {},
  });
  const onAbort = () => host.kill('was stopped: the replay was cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const recorded: StepOutcomeOf = {
    status: ended.status,
    ...(ended.output !== undefined ? { output: ended.output } : {}),
    ...(ended.error ? { error: ended.error } : {}),
  };
  const base = {
    stepId: ended.stepId,
    plugin: ended.plugin,
    command: ended.command,
    input: ended.input,
    config: ended.config ?? {},
    state,
    recorded,
  };
  try {
    const loaded = await loadPlugins({
      workspaceRoot,
      config: readConfig(workspaceRoot),
      host,
      apiModule: bundles.apiModule,
      runtimeVersion: RUNTIME_VERSION,
      pipeline,
    });
    const plugin = loaded.set.byName.get(ended.plugin);
    if (!plugin) {
      const why =
        loaded.diagnostics.find((d) => d.plugin === ended.plugin && d.severity === 'error')?.message ?? 'it is not loaded any more';
      return {
        ...base,
        replayed: { status: 'failed', error: `plugin "${ended.plugin}" could not be loaded: ${why}` },
        same: false,
        diagnostics: loaded.diagnostics,
      };
    }
    const step = pipeline?.steps.find((s) => s.id === ended.stepId);
    const limits = callLimitsOf(plugin.meta, pipeline, step);
    const result = await host.call(
      plugin.pluginId,
      'execute',
      undefined,
      {
        pipeline: { name: pipeline?.name ?? start.pipeline, file },
        step: { id: ended.stepId, command: ended.command, input: ended.input },
        command: ended.command,
        input: ended.input,
        config: ended.config ?? {},
        state,
        pluginDir: plugin.moduleDir ?? plugin.dir,
        workspaceRoot,
      },
      limits,
      ended.stepId,
    );
    const replayed: StepOutcomeOf = result.ok
      ? { status: 'ok', output: result.value ?? null }
      : {
          status: 'failed',
          error: `plugin "${plugin.meta.name}" ${describeFault(result.fault, `in step "${ended.stepId}"`, limits.heapMb)}`,
        };
    const same = JSON.stringify(replayed.output ?? null) === JSON.stringify(recorded.output ?? null) && replayed.status === recorded.status;
    return { ...base, replayed, same, diagnostics: loaded.diagnostics };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await host.shutdown();
  }
}
