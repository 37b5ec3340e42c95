// Compares what a case produced with what it expects, field by field (spec section 8). Pure.
import type { JsonValue, VisualizationPoint } from '../model/plugin';
import type { SandboxExpectation } from './sandboxFile';
import { formatPath, isSubset, logMatches, matchesText, preview, subsetDifference, type LogLine } from './matchers';

/** What one case did. */
export interface CaseOutcome {
  status: 'ok' | 'failed';
  /** The returned value (`null` when execute returned nothing). */
  output?: JsonValue;
  /** Why it failed: the plugin's own error message, the limit it hit, or the rejected input/config. */
  error?: string;
  /** Pipeline state after the call: the case's initial state plus the plugin's writes. */
  state: Record<string, JsonValue>;
  logs: LogLine[];
  metrics: VisualizationPoint[];
}

export type ExpectedField = 'status' | 'output' | 'state' | 'metrics' | 'logs' | 'error';

/** One expectation that did not hold: what was expected and what happened, at which path. */
export interface SandboxFailure {
  field: ExpectedField;
  /** Path of the first difference, e.g. `output.sum`, `logs[0]`. */
  path: string;
  expected: unknown;
  actual: unknown;
  message: string;
}

/** Every expectation of `expect` that `outcome` does not meet, in the order of the spec's fields. */
export function compareCase(expect: SandboxExpectation, outcome: CaseOutcome): SandboxFailure[] {
  const failures: SandboxFailure[] = [];
  if (expect.status !== outcome.status) {
    failures.push({
      field: 'status',
      path: 'status',
      expected: expect.status,
      actual: outcome.status,
      message:
        outcome.status === 'failed'
          ? `expected status ok, but the case failed: ${outcome.error ?? 'no error message'}`
          : `expected status failed, but the case succeeded${outcome.output === undefined ? '' : ` and returned ${preview(outcome.output)}`}`,
    });
  }

  if ('output' in expect) {
    const difference = outcome.status === 'ok' ? subsetDifference(expect.output, outcome.output) : undefined;
    // A case that failed has no output; when it was expected to succeed, the status failure says so.
    if (outcome.status !== 'ok' && expect.status !== 'ok') {
      failures.push({ field: 'output', path: 'output', expected: expect.output, actual: undefined, message: 'no output: the case failed' });
    } else if (difference) {
      const at = formatPath('output', difference.path);
      failures.push({ field: 'output', path: at, expected: expect.output, actual: outcome.output, message: `${at}: ${difference.reason}` });
    }
  }

  if (expect.state !== undefined) {
    const difference = subsetDifference(expect.state, outcome.state);
    if (difference) {
      const at = formatPath('state', difference.path);
      failures.push({ field: 'state', path: at, expected: expect.state, actual: outcome.state, message: `${at}: ${difference.reason}` });
    }
  }

  expect.metrics?.forEach((wanted, index) => {
    if (outcome.metrics.some((point) => isSubset(wanted, point))) return;
    const sameChart = outcome.metrics.filter((point) => point.chart === wanted.chart);
    const closest = sameChart[0] ? subsetDifference(wanted, sameChart[0]) : undefined;
    failures.push({
      field: 'metrics',
      path: `metrics[${index}]`,
      expected: wanted,
      actual: outcome.metrics,
      message:
        outcome.metrics.length === 0
          ? `no metric point matches ${preview(wanted)}: the plugin emitted none`
          : `no metric point among ${outcome.metrics.length} matches ${preview(wanted)}${closest ? ` (on chart "${String(wanted.chart)}": ${formatPath('', closest.path) || 'point'} ${closest.reason})` : ''}`,
    });
  });

  expect.logs?.forEach((wanted, index) => {
    if (outcome.logs.some((log) => logMatches(wanted, log))) return;
    failures.push({
      field: 'logs',
      path: `logs[${index}]`,
      expected: wanted,
      actual: outcome.logs,
      message:
        outcome.logs.length === 0
          ? `no log line matches ${describeLog(wanted)}: the plugin logged nothing`
          : `no log line among ${outcome.logs.length} matches ${describeLog(wanted)}`,
    });
  });

  // `error` is only meaningful when the case failed; a status mismatch already says it did not.
  if (expect.error !== undefined && outcome.status === 'failed') {
    const actual = outcome.error ?? '';
    if (!matchesText(expect.error, actual, 'contains')) {
      failures.push({
        field: 'error',
        path: 'error',
        expected: expect.error,
        actual,
        message: `the error ${preview(actual, 200)} does not match ${expect.error}`,
      });
    }
  }
  return failures;
}

function describeLog(log: { level?: string; message?: string }): string {
  const parts = [];
  if (log.level !== undefined) parts.push(`level ${log.level}`);
  if (log.message !== undefined) parts.push(`message ${log.message}`);
  return `{ ${parts.join(', ')} }`;
}
