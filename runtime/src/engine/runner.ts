// Executes one validated pipeline against a loaded plugin set (spec sections 1, 4 and 5): steps in
// dependency order with `settings.concurrency`, hooks in load order around them, shared state, and
// every outcome reported as an event.
import type { HookEvent, JsonValue } from '../model/plugin';
import type { Pipeline, PipelineStep } from '../model/pipeline';
import type { RunStatus, StepStatus } from '../model/events';
import type { CommandBinding } from '../model/catalog';
import type { ContextSnapshot, PluginFault } from '../host/protocol';
import type { PluginHosts } from '../host/hostPool';
import { resolveValue, type ExpressionScope } from '../pipeline';
import { resolveCommand } from '../plugins';
import type { EventStream } from './eventStream';
import type { LoadedPlugin, PluginSet } from './pluginSet';
import { callLimitsOf, type LimitDefaults } from './limits';
import { validateAgainst } from './schemaValidator';

export interface StepOutcome {
  status: StepStatus;
  output?: JsonValue;
  error?: string;
}

export interface RunnerOptions {
  pipeline: Pipeline;
  plugins: PluginSet;
  host: PluginHosts;
  events: EventStream;
  workspaceRoot: string;
  signal: AbortSignal;
  /** Shared with the host notifications handler, which applies plugins' state writes. */
  state: Map<string, JsonValue>;
  /** Limits of plugins that neither meta nor pipeline sets; spec section 3 when absent. */
  defaultLimits?: LimitDefaults;
  /** A debugger that may pause before each step and after a failed one (spec section 10). */
  debugger?: StepDebugger;
}

/** A step as a debugger sees it while the run waits: before it runs, or just after it failed. */
export interface PausedStep {
  step: PipelineStep;
  binding: CommandBinding;
  /** Its resolved input (what `execute` will get, unless a pre-execute hook changes it). */
  readonly input: JsonValue;
  /** Replaces the input before the step runs; returns why the command's input schema rejects it. */
  setInput(input: JsonValue): string | undefined;
  /** What `${{ }}` expressions see: finished steps' outputs, the state, the environment. */
  scope: ExpressionScope;
  /** The run's state; writes are what the step (and every later one) will see. */
  state: Map<string, JsonValue>;
  /** Set after a failure. */
  error?: string;
}

/** Pauses a run: each returns when the debugger lets the run go on (continue, next, terminate). */
export interface StepDebugger {
  beforeStep(paused: PausedStep): Promise<void>;
  /** After a step failed and its post-failure hooks ran, before its dependents are skipped. */
  afterFailure(paused: PausedStep): Promise<void>;
  /** The step's end was reported (its thread is gone). */
  stepEnded?(step: PipelineStep): void;
}

/** Words for a fault, completing `plugin "x" …`, e.g. `exceeded its 256 MB heap limit in step "y"`. */
export function describeFault(fault: PluginFault, where: string, heapMb: number): string {
  switch (fault.kind) {
    case 'error':
    case 'invalid':
      return `failed ${where}: ${fault.message}`;
    case 'heap':
      // The host may not know the cap (a whole-process OOM); the runtime does.
      return `exceeded its ${heapMb} MB heap limit ${where}${fault.message.includes('took the plugin host down') ? ' (the plugin host was restarted)' : ''}`;
    default:
      return `${fault.message} ${where}`;
  }
}

export class PipelineRunner {
  private readonly outcomes = new Map<string, StepOutcome>();
  private readonly failures: string[] = [];

  constructor(private readonly options: RunnerOptions) {}

  /** Plugins subscribed to `event`, in load order. */
  private subscribers(event: HookEvent): LoadedPlugin[] {
    return this.options.plugins.plugins.filter((plugin) => plugin.hasOnHook && plugin.meta.hooks?.includes(event));
  }

  private snapshot(plugin: LoadedPlugin, extra: Partial<ContextSnapshot>): ContextSnapshot {
    const { pipeline, state, workspaceRoot } = this.options;
    return {
      pipeline: { name: pipeline.name, file: pipeline.file },
      input: null,
      config: pipeline.plugins[plugin.meta.name] ?? {},
      state: Object.fromEntries(state),
      pluginDir: plugin.moduleDir ?? plugin.dir,
      workspaceRoot,
      ...extra,
    };
  }

  private scope(): ExpressionScope {
    const steps: ExpressionScope['steps'] = {};
    for (const [id, outcome] of this.outcomes) steps[id] = { output: outcome.output };
    return {
      steps,
      state: (key) => this.options.state.get(key),
      env: { ...process.env, ...this.options.pipeline.env },
    };
  }

  /** Runs every subscriber of `event`; returns the first fault's message, if any. */
  private async runHooks(
    event: HookEvent,
    step: PipelineStep | undefined,
    extra: Partial<ContextSnapshot>,
    onResult?: (plugin: LoadedPlugin, value: JsonValue | undefined) => boolean | void,
  ): Promise<string | undefined> {
    let failure: string | undefined;
    for (const plugin of this.subscribers(event)) {
      const { events, host, pipeline } = this.options;
      const name = plugin.meta.name;
      events.emit({ type: 'hook-start', event, plugin: name, stepId: step?.id });
      const started = performance.now();
      const limits = callLimitsOf(plugin.meta, pipeline, undefined, this.options.defaultLimits);
      const outcome = await host.call(plugin.pluginId, 'hook', event, this.snapshot(plugin, extra), limits, step?.id);
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      if (!outcome.ok) {
        const where = step ? `in its ${event} hook for step "${step.id}"` : `in its ${event} hook`;
        const error = `plugin "${name}" ${describeFault(outcome.fault, where, limits.heapMb)}`;
        events.emit({ type: 'hook-end', event, plugin: name, stepId: step?.id, durationMs, status: 'failed', error });
        failure ??= error;
        continue;
      }
      let effect: 'input' | 'output' | 'skip' | undefined;
      const value = outcome.value as Record<string, JsonValue> | undefined;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        if (event === 'pre-execute' && typeof value.skip === 'string') effect = 'skip';
        else if (event === 'pre-execute' && 'input' in value) effect = 'input';
        else if (event === 'post-execute' && 'output' in value) effect = 'output';
      }
      events.emit({ type: 'hook-end', event, plugin: name, stepId: step?.id, durationMs, status: 'ok', effect });
      if (onResult?.(plugin, outcome.value) === false) break;
    }
    return failure;
  }

  private finishStep(
    step: PipelineStep,
    binding: CommandBinding | undefined,
    started: number,
    outcome: StepOutcome & { reason?: string; skippedBy?: string; input?: JsonValue },
  ): void {
    this.outcomes.set(step.id, outcome);
    if (outcome.status === 'failed' && !step.continueOnError) this.failures.push(outcome.error ?? `step "${step.id}" failed`);
    this.options.events.emit({
      type: 'step-end',
      stepId: step.id,
      command: binding?.command ?? step.run,
      plugin: binding?.plugin ?? '',
      status: outcome.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      output: outcome.output,
      error: outcome.error,
      reason: outcome.reason,
      skippedBy: outcome.skippedBy,
      continueOnError: step.continueOnError || undefined,
      ...(outcome.input !== undefined && binding
        ? { input: outcome.input, config: this.options.pipeline.plugins[binding.plugin] ?? {} }
        : {}),
    });
    this.options.debugger?.stepEnded?.(step);
  }

  private async runStep(step: PipelineStep): Promise<void> {
    const { events, host, plugins, pipeline } = this.options;
    const started = performance.now();
    const binding = resolveCommand(plugins.commands, step.run);
    const plugin = binding && plugins.byName.get(binding.plugin);
    if (!binding || !plugin) {
      this.finishStep(step, binding, started, { status: 'failed', error: `step "${step.id}": no loaded plugin provides "${step.run}"` });
      return;
    }
    events.emit({ type: 'step-start', stepId: step.id, command: binding.command, plugin: binding.plugin });

    let input: JsonValue;
    try {
      input = resolveValue(step.with, this.scope()) as JsonValue;
    } catch (error) {
      this.finishStep(step, binding, started, { status: 'failed', error: `step "${step.id}": ${(error as Error).message}` });
      return;
    }

    const paused = (): PausedStep => ({
      step,
      binding,
      get input() {
        return input;
      },
      setInput: (next) => {
        const problems = validateAgainst(binding.input, next);
        if (problems.length > 0) {
          return `command "${binding.command}" (plugin "${binding.plugin}") rejects that input: ${problems.map((p) => p.message).join('; ')}`;
        }
        input = next;
        return undefined;
      },
      scope: this.scope(),
      state: this.options.state,
    });
    if (this.options.debugger) {
      await this.options.debugger.beforeStep(paused());
      if (this.options.signal.aborted) {
        this.finishStep(step, binding, started, { status: 'skipped', reason: 'the run was cancelled' });
        return;
      }
    }

    // pre-execute: each handler sees what the earlier ones changed; a skip ends the chain.
    let skip: { reason: string; plugin: string } | undefined;
    let inputError: string | undefined;
    // One context for the whole chain, updated as handlers change it: each sees the earlier changes.
    const preContext: Partial<ContextSnapshot> = {
      step: { id: step.id, command: binding.command, input },
      command: binding.command,
      input,
    };
    const preFailure = await this.runHooks('pre-execute', step, preContext, (hookPlugin, value) => {
      const result = value as { input?: JsonValue; skip?: unknown } | undefined;
      if (!result || typeof result !== 'object') return;
      if (typeof result.skip === 'string') {
        skip = { reason: result.skip, plugin: hookPlugin.meta.name };
        return false;
      }
      if ('input' in result && result.input !== undefined) {
        const problems = validateAgainst(binding.input, result.input);
        if (problems.length > 0) {
          inputError = `plugin "${hookPlugin.meta.name}" replaced the input of step "${step.id}" with one command "${binding.command}" rejects: ${problems.map((p) => p.message).join('; ')}`;
          return false;
        }
        input = result.input;
        preContext.input = input;
        preContext.step = { id: step.id, command: binding.command, input };
      }
    });
    if (skip) {
      this.finishStep(step, binding, started, { status: 'skipped', reason: skip.reason, skippedBy: skip.plugin });
      return;
    }

    let outcome: StepOutcome;
    const problems = validateAgainst(binding.input, input);
    if (preFailure ?? inputError) {
      outcome = { status: 'failed', error: preFailure ?? inputError };
    } else if (problems.length > 0) {
      outcome = {
        status: 'failed',
        error: `input of step "${step.id}" does not fit command "${binding.command}" (plugin "${binding.plugin}"): ${problems.map((p) => p.message).join('; ')}`,
      };
    } else {
      const context = this.snapshot(plugin, { step: { id: step.id, command: binding.command, input }, command: binding.command, input });
      const limits = callLimitsOf(plugin.meta, pipeline, step, this.options.defaultLimits);
      const result = await host.call(plugin.pluginId, 'execute', undefined, context, limits, step.id);
      outcome = result.ok
        ? { status: 'ok', output: result.value ?? null }
        : { status: 'failed', error: `plugin "${plugin.meta.name}" ${describeFault(result.fault, `in step "${step.id}"`, limits.heapMb)}` };
    }

    if (outcome.status === 'ok') {
      const stepInfo = { id: step.id, command: binding.command, input };
      let output = outcome.output;
      const postContext: Partial<ContextSnapshot> = { step: stepInfo, command: binding.command, input, output };
      const postFailure = await this.runHooks('post-execute', step, postContext, (_plugin, value) => {
        const result = value as { output?: JsonValue } | undefined;
        if (result && typeof result === 'object' && 'output' in result && result.output !== undefined) {
          output = result.output;
          postContext.output = output;
        }
      });
      outcome = postFailure ? { status: 'failed', output, error: postFailure } : { status: 'ok', output };
    }
    if (outcome.status === 'failed') {
      await this.runHooks('post-failure', step, {
        step: { id: step.id, command: binding.command, input },
        command: binding.command,
        input,
        error: outcome.error,
      });
      await this.options.debugger?.afterFailure({ ...paused(), error: outcome.error });
    }
    this.finishStep(step, binding, started, { ...outcome, input });
  }

  /** Why `step` cannot run, when a step it needs failed or was skipped. */
  private blockedBy(step: PipelineStep): string | undefined {
    for (const need of step.needs) {
      const outcome = this.outcomes.get(need);
      if (outcome?.status === 'skipped') return `dependency "${need}" was skipped`;
      if (outcome?.status === 'failed' && !this.stepById(need)?.continueOnError) return `dependency "${need}" failed`;
    }
    return undefined;
  }

  private stepById(id: string): PipelineStep | undefined {
    return this.options.pipeline.steps.find((step) => step.id === id);
  }

  /** The run failed before any step (a plugin could not load): post-failure once, then pipeline-end. */
  async failBeforeSteps(error: string): Promise<{ status: RunStatus; error: string }> {
    this.failures.push(error);
    await this.runHooks('post-failure', undefined, { error });
    await this.runHooks('pipeline-end', undefined, { error });
    return { status: 'failed', error };
  }

  /** Runs all steps; returns the run's status and the first failure. */
  async run(): Promise<{ status: RunStatus; error?: string }> {
    const { pipeline, signal } = this.options;
    const startFailure = await this.runHooks('pipeline-start', undefined, {});
    if (startFailure) {
      this.failures.push(startFailure);
      await this.runHooks('post-failure', undefined, { error: startFailure });
    } else {
      await this.schedule(pipeline, signal);
    }
    const endFailure = await this.runHooks('pipeline-end', undefined, {
      error: this.failures[0],
    });
    if (endFailure) this.failures.push(endFailure);
    if (signal.aborted) return { status: 'cancelled', error: 'the run was cancelled' };
    return this.failures.length > 0 ? { status: 'failed', error: this.failures[0] } : { status: 'ok' };
  }

  private async schedule(pipeline: Pipeline, signal: AbortSignal): Promise<void> {
    const pending = [...pipeline.steps];
    const running = new Map<string, Promise<void>>();
    const concurrency = Math.max(1, pipeline.settings.concurrency);
    for (;;) {
      // Start every ready step, in file order, while there is room.
      for (let i = 0; i < pending.length && running.size < concurrency;) {
        const step = pending[i]!;
        if (signal.aborted) {
          pending.splice(i, 1);
          this.finishStep(step, resolveCommand(this.options.plugins.commands, step.run), performance.now(), {
            status: 'skipped',
            reason: 'the run was cancelled',
          });
          continue;
        }
        if (!step.needs.every((need) => this.outcomes.has(need))) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        const blocked = this.blockedBy(step);
        if (blocked) {
          this.finishStep(step, resolveCommand(this.options.plugins.commands, step.run), performance.now(), {
            status: 'skipped',
            reason: blocked,
          });
          i = 0; // a skip may unblock others earlier in the list
          continue;
        }
        running.set(
          step.id,
          this.runStep(step).finally(() => running.delete(step.id)),
        );
      }
      if (running.size === 0) {
        if (pending.length === 0 || signal.aborted) break;
        // Only steps whose needs can never finish are left (the validator rejects cycles; belt and braces).
        for (const step of pending.splice(0)) {
          this.finishStep(step, undefined, performance.now(), { status: 'skipped', reason: 'its needs can never be met' });
        }
        break;
      }
      await Promise.race(running.values());
    }
  }
}
