// Breakpoints on pipeline steps (spec section 10): a breakpoint on any line of a step belongs to that
// step and is shown on its `id:` line; a condition is a `${{ }}` expression, a hit condition counts.
// Pure: no protocol, no run, so the rules are tested on their own.
import type { Pipeline, PipelineStep } from '../model/pipeline';
import { hasExpression, resolveValue, type ExpressionScope } from '../pipeline';

/** The lines (1-based, inclusive) a step covers, and the line of its `id:`. */
export interface StepLines {
  step: PipelineStep;
  first: number;
  last: number;
  idLine: number;
}

export interface StepBreakpoint {
  id: number;
  stepId: string;
  /** The line asked for and the line it is shown on (the step's `id:`), 1-based. */
  requestedLine: number;
  line: number;
  condition?: string;
  hitCondition?: string;
  hits: number;
}

/** The 1-based line of each offset in `text`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Where each step of `pipeline` sits in `text` (its file). */
export function stepLines(pipeline: Pipeline, text: string): StepLines[] {
  return pipeline.steps.flatMap((step) => {
    if (!step.range) return [];
    const first = step.range.line;
    // A step's mapping ends where its last value ends; its trailing line break belongs to it too.
    const last = Math.max(first, lineOf(text, Math.max(step.range.start, step.range.end - 1)));
    return [{ step, first, last, idLine: step.idRange?.line ?? first }];
  });
}

/** The step a breakpoint on `line` belongs to, if any. */
export function stepAtLine(lines: readonly StepLines[], line: number): StepLines | undefined {
  return lines.find((entry) => line >= entry.first && line <= entry.last);
}

/**
 * Whether a hit count satisfies `hitCondition`: `N` or `>= N` (from the Nth hit on), `> N`, `== N`,
 * `< N`, `<= N`, `% N` (every Nth). An unreadable condition never stops, and says why.
 */
export function hitConditionMet(hitCondition: string | undefined, hits: number): { met: boolean; problem?: string } {
  if (hitCondition === undefined || hitCondition.trim() === '') return { met: true };
  const match = /^\s*(>=|<=|==|>|<|%)?\s*(\d+)\s*$/.exec(hitCondition);
  if (!match) return { met: false, problem: `hit condition "${hitCondition}" is not a count such as 3, >= 3, == 3 or % 2` };
  const n = Number(match[2]);
  switch (match[1] ?? '>=') {
    case '>=':
      return { met: hits >= n };
    case '>':
      return { met: hits > n };
    case '==':
      return { met: hits === n };
    case '<':
      return { met: hits < n };
    case '<=':
      return { met: hits <= n };
    default:
      return { met: n > 0 && hits % n === 0 };
  }
}

/** A `${{ }}` expression (the braces optional) against a paused run. */
export function evaluateExpression(expression: string, scope: ExpressionScope): unknown {
  const text = expression.trim();
  return resolveValue(hasExpression(text) ? text : `\${{ ${text} }}`, scope);
}

/** JavaScript-like truthiness of a condition's value; `"false"` and `"0"` count as false too. */
export function truthy(value: unknown): boolean {
  if (typeof value === 'string') return value !== '' && value !== 'false' && value !== '0';
  return Boolean(value);
}
