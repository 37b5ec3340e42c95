// metrics: pushes points to the real-time dashboard with ctx.visualize, in all four kinds.
//   record  one point of any kind (line, bar, gauge or table)
//   sample  a short, deterministic line series (a simulated throughput curve)
//   report  a table of the step durations the timing plugin keeps in state.stepDurations
// It depends on timing (report reads what timing records), so although "metrics" sorts before
// "timing", it loads after it.
import type { Plugin, PluginMeta, ExecutionContext, JsonValue, VisualizationPoint } from 'aetherscript-core';

interface RecordInput {
  chart: string;
  kind: VisualizationPoint['kind'];
  value: JsonValue;
  unit?: string;
  series?: string;
  label?: string;
}
interface SampleInput {
  chart: string;
  points?: number;
  base?: number;
  unit?: string;
}
interface ReportInput {
  chart?: string;
}

const NUMERIC = '^-?[0-9]+(\\.[0-9]+)?$';

function commandOf(ctx: ExecutionContext): string {
  return (ctx.command ?? ctx.step?.command ?? '').split('/').pop() ?? '';
}

export default class Metrics implements Plugin {
  static meta: PluginMeta = {
    name: 'metrics',
    version: '0.9.0',
    description: 'Dashboard points: line, bar, gauge and table.',
    engines: { aetherscript: '^1.0.0' },
    dependencies: { timing: '~1.0.0' },
    commands: {
      record: {
        description: 'Push one point to a chart. Numbers may come as numeric strings (from ${{ }} expressions).',
        input: {
          type: 'object',
          required: ['chart', 'kind', 'value'],
          additionalProperties: false,
          properties: {
            chart: { type: 'string', minLength: 1, description: 'Chart name.' },
            kind: { type: 'string', enum: ['line', 'bar', 'gauge', 'table'], description: 'How the dashboard draws it.' },
            value: {
              description: 'A number (line, bar, gauge) or rows (table).',
              anyOf: [{ type: 'number' }, { type: 'string', pattern: NUMERIC }, { type: 'array' }, { type: 'object' }],
            },
            unit: { type: 'string', description: 'Unit shown next to the value, e.g. ms or bytes.' },
            series: { type: 'string', description: 'Series within the chart.' },
            label: { type: 'string', description: 'Label of this point.' },
          },
        },
      },
      sample: {
        description: 'Push a deterministic line series of `points` values around `base`; returns { chart, points, min, max, avg }.',
        input: {
          type: 'object',
          required: ['chart'],
          additionalProperties: false,
          properties: {
            chart: { type: 'string', minLength: 1, description: 'Chart name.' },
            points: { type: 'integer', minimum: 1, maximum: 100, description: 'How many points (default 10).' },
            base: { type: 'number', minimum: 0, description: 'Centre of the curve (default 100).' },
            unit: { type: 'string', description: 'Unit (default req/s).' },
          },
        },
      },
      report: {
        description: 'Chart state.stepDurations (kept by the timing plugin) as a table; returns { steps, totalMs, rows }.',
        input: {
          type: 'object',
          additionalProperties: false,
          properties: {
            chart: { type: 'string', minLength: 1, description: 'Chart name (default step-durations).' },
          },
        },
      },
    },
  };

  async execute(ctx: ExecutionContext): Promise<JsonValue> {
    switch (commandOf(ctx)) {
      case 'record':
        return this.record(ctx, ctx.input as unknown as RecordInput);
      case 'sample':
        return this.sample(ctx, ctx.input as unknown as SampleInput);
      case 'report':
        return this.report(ctx, (ctx.input ?? {}) as ReportInput);
      default:
        throw new Error(`metrics has no command "${ctx.command}"`);
    }
  }

  private record(ctx: ExecutionContext, input: RecordInput): JsonValue {
    let value = input.value;
    if (input.kind !== 'table') {
      value = typeof value === 'string' ? Number(value) : value;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new Error(`a ${input.kind} point needs a number, got ${JSON.stringify(input.value)}`);
      }
    }
    const point: VisualizationPoint = { chart: input.chart, kind: input.kind, value };
    if (input.unit !== undefined) point.unit = input.unit;
    if (input.series !== undefined) point.series = input.series;
    if (input.label !== undefined) point.label = input.label;
    ctx.visualize(point);
    ctx.log.debug(`${input.kind} ${input.chart} = ${JSON.stringify(value)}${input.unit ? ' ' + input.unit : ''}`);
    return { chart: input.chart, kind: input.kind, value };
  }

  private sample(ctx: ExecutionContext, input: SampleInput): JsonValue {
    const points = input.points ?? 10;
    const base = input.base ?? 100;
    const unit = input.unit ?? 'req/s';
    const values: number[] = [];
    for (let i = 0; i < points; i++) {
      const value = Math.round(base + base * 0.25 * Math.sin(i / 1.7) + (i % 3) * base * 0.03);
      values.push(value);
      ctx.visualize({ chart: input.chart, kind: 'line', value, unit, label: `t${i}` });
    }
    const min = Math.min(...values);
    const max = Math.max(...values);
    const avg = Math.round(values.reduce((a, b) => a + b, 0) / values.length);
    ctx.log.info(`${input.chart}: ${points} points, min ${min}, max ${max}, avg ${avg} ${unit}`);
    return { chart: input.chart, points, min, max, avg };
  }

  private report(ctx: ExecutionContext, input: ReportInput): JsonValue {
    const durations = ctx.state.get<Record<string, number>>('stepDurations') ?? {};
    const rows = Object.entries(durations).map(([step, durationMs]) => ({ step, durationMs }));
    if (rows.length === 0) ctx.log.warn('no step durations in state.stepDurations (is the timing plugin loaded?)');
    const totalMs = rows.reduce((sum, row) => sum + row.durationMs, 0);
    ctx.visualize({ chart: input.chart ?? 'step-durations', kind: 'table', value: rows, label: `${rows.length} steps` });
    ctx.log.info(`${rows.length} steps, ${totalMs} ms in total`);
    return { steps: rows.length, totalMs, rows };
  }
}
