// timing: subscribes to all five lifecycle events and turns them into durations.
//   pipeline-start  remembers when the run started
//   pre-execute     remembers when each step started
//   post-execute    charts the step's duration (bar), records it in state.stepDurations and, with
//                   `annotate: true` in its config, returns { output } with a `timing` field added
//   post-failure    charts the failed step's duration too, and warns
//   pipeline-end    charts the whole run's duration (gauge) and logs a one-line summary
// Command `mark` records a named point in time (state.timingMarks).
import type { Plugin, PluginMeta, ExecutionContext, HookEvent, HookResult, JsonValue } from 'aetherscript-core';

interface TimingConfig {
  annotate?: boolean;
}
type Durations = Record<string, number>;

export default class Timing implements Plugin {
  static meta: PluginMeta = {
    name: 'timing',
    version: '1.0.3',
    description: 'Step and run durations, charted and kept in pipeline state.',
    engines: { aetherscript: '^1.0.0' },
    commands: {
      mark: {
        description: 'Record a named mark: ms since the run started; kept in state.timingMarks. Returns { label, atMs }.',
        input: {
          type: 'object',
          required: ['label'],
          additionalProperties: false,
          properties: {
            label: { type: 'string', minLength: 1, description: 'Name of the mark.' },
          },
        },
      },
    },
    hooks: ['pipeline-start', 'pre-execute', 'post-execute', 'post-failure', 'pipeline-end'],
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        annotate: { type: 'boolean', description: 'Add { timing: { durationMs } } to every object output (default false).' },
      },
    },
  };

  /** Step start times of this run, by step id. */
  private readonly started = new Map<string, number>();
  private runStarted = Date.now();

  async execute(ctx: ExecutionContext): Promise<JsonValue> {
    const { label } = ctx.input as { label: string };
    const runStart = ctx.state.get<number>('timingRunStart') ?? this.runStarted;
    const atMs = Date.now() - runStart;
    const marks = { ...(ctx.state.get<Record<string, number>>('timingMarks') ?? {}), [label]: atMs };
    ctx.state.set('timingMarks', marks);
    ctx.log.info(`mark "${label}" at ${atMs} ms`);
    ctx.visualize({ chart: 'marks', kind: 'line', value: atMs, unit: 'ms', label });
    return { label, atMs };
  }

  onHook(event: HookEvent, ctx: ExecutionContext): HookResult {
    switch (event) {
      case 'pipeline-start':
        this.runStarted = Date.now();
        this.started.clear();
        ctx.state.set('timingRunStart', this.runStarted);
        ctx.log.debug(`timing ${ctx.pipeline.name}`);
        return;
      case 'pre-execute':
        if (ctx.step) this.started.set(ctx.step.id, Date.now());
        return;
      case 'post-execute': {
        const durationMs = this.finish(ctx, 'ok');
        const config = (ctx.config ?? {}) as TimingConfig;
        const output = ctx.output;
        if (config.annotate && durationMs !== undefined && output && typeof output === 'object' && !Array.isArray(output)) {
          return { output: { ...output, timing: { durationMs } } };
        }
        return;
      }
      case 'post-failure': {
        const durationMs = this.finish(ctx, 'failed');
        if (ctx.step) ctx.log.warn(`step "${ctx.step.id}" failed after ${durationMs ?? '?'} ms`);
        else ctx.log.warn(`run failed before any step: ${ctx.error ?? 'unknown error'}`);
        return;
      }
      case 'pipeline-end': {
        const totalMs = Date.now() - this.runStarted;
        ctx.visualize({ chart: 'run-duration', kind: 'gauge', value: totalMs, unit: 'ms', label: ctx.pipeline.name });
        const durations = ctx.state.get<Durations>('stepDurations') ?? {};
        const slowest = Object.entries(durations).sort((a, b) => b[1] - a[1])[0];
        ctx.log.info(
          `run took ${totalMs} ms over ${Object.keys(durations).length} timed step(s)` +
            (slowest ? `; slowest: ${slowest[0]} (${slowest[1]} ms)` : ''),
        );
        return;
      }
    }
  }

  /** Charts and records the duration of the step a post-* hook is about. */
  private finish(ctx: ExecutionContext, series: 'ok' | 'failed'): number | undefined {
    if (!ctx.step) return undefined;
    const start = this.started.get(ctx.step.id);
    if (start === undefined) return undefined;
    this.started.delete(ctx.step.id);
    const durationMs = Date.now() - start;
    ctx.visualize({ chart: 'step-duration', kind: 'bar', value: durationMs, unit: 'ms', series, label: ctx.step.id });
    const durations = ctx.state.get<Durations>('stepDurations') ?? {};
    ctx.state.set('stepDurations', { ...durations, [ctx.step.id]: durationMs });
    return durationMs;
  }
}
