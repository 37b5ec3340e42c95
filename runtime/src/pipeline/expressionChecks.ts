// Checks every `${{ … }}` in the steps' `with` before anything runs (spec section 5): syntax, the step
// it names exists and is upstream of the step using it, and env names are declared under `env:`.
import { isAlias, isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { AetherDiagnostic, Severity } from '../model/diagnostics';
import { resolveAlias } from './aliases';
import { parseTemplate, hasExpression } from './expressions';
import { reachability, type StepGraph } from './graph';
import { mapValueRange, scalarOffsetMap } from './scalarSource';
import type { CheckContext, StepNode } from './stepChecks';
import { Suggestions } from './suggestions';
import { findPair, nodeRange, rangeOf } from './yamlNodes';

export function checkExpressions(
  context: CheckContext,
  steps: StepNode[],
  graph: StepGraph,
  declaredEnv: ReadonlySet<string>,
): AetherDiagnostic[] {
  const diagnostics: AetherDiagnostic[] = [];
  const reachable = reachability(graph);
  const suggestions = new Suggestions(graph.ids);
  for (const step of steps) {
    const withNode = findPair(step.node, 'with')?.value;
    if (!withNode) continue;
    // A step reads the outputs of what it needs and of everything those need in turn.
    const needs = step.needs.map((need) => need.id).filter((id) => id !== step.id && graph.needs.has(id));
    const upstream = { reaches: (id: string) => needs.some((need) => need === id || reachable.reaches(need, id)) };
    for (const scalar of stringScalars(context, withNode)) {
      diagnostics.push(...checkScalar(context, scalar, step, graph, upstream, declaredEnv, suggestions));
    }
  }
  return diagnostics;
}

/** String scalars under a node, aliases followed once each (so an alias chain cannot blow up the walk). */
function stringScalars(context: CheckContext, root: unknown): { node: Node; value: string; at: Node }[] {
  const found: { node: Node; value: string; at: Node }[] = [];
  const visited = new Set<unknown>();
  const visit = (node: unknown, at: Node | undefined): void => {
    if (visited.has(node)) return;
    visited.add(node);
    if (isAlias(node)) {
      // Diagnostics for an aliased value go on the alias: that is where it is used.
      visit(resolveAlias(context.document, node), at ?? node);
    } else if (isScalar(node)) {
      if (typeof node.value === 'string' && hasExpression(node.value)) {
        found.push({ node, value: node.value, at: at ?? node });
      }
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) visit(isPair(item) ? item.value : item, at);
    }
  };
  visit(root, undefined);
  return found;
}

function checkScalar(
  context: CheckContext,
  scalar: { node: Node; value: string; at: Node },
  step: StepNode,
  graph: StepGraph,
  upstream: { reaches(id: string): boolean },
  declaredEnv: ReadonlySet<string>,
  suggestions: Suggestions,
): AetherDiagnostic[] {
  const diagnostics: AetherDiagnostic[] = [];
  // Exact positions only when the expression is written in place; through an alias, the alias's range.
  // Decoded on the first report only: most expressions are fine, and decoding every one of them was
  // most of this check's time on a large pipeline.
  let offsets: number[] | undefined | null = null;
  const report = (code: string, severity: Severity, message: string, start: number, end: number): void => {
    if (offsets === null)
      offsets = scalar.at === scalar.node && isScalar(scalar.node) ? scalarOffsetMap(context.text, scalar.node) : undefined;
    const range = offsets ? rangeOf(context, ...mapValueRange(offsets, start, end)) : nodeRange(context, scalar.at);
    diagnostics.push({ code, severity, message, file: context.file, range });
  };

  const { parts, errors } = parseTemplate(scalar.value);
  for (const error of errors) report('expression/syntax', 'error', error.message, error.start, error.end);
  const stepName = step.id ?? `#${step.index + 1}`;
  for (const part of parts) {
    if (!('expr' in part)) continue;
    const ref = part.expr;
    if (ref.root === 'steps' && ref.stepId !== undefined) {
      const used = `steps.${ref.stepId}.output`;
      if (!graph.needs.has(ref.stepId)) {
        const hint = suggestions.didYouMean(ref.stepId);
        report(
          'expression/unknown-step',
          'error',
          `Unknown step "${ref.stepId}" in ${used}: no step has this id.${hint}`,
          ref.start,
          ref.end,
        );
      } else if (ref.stepId === step.id) {
        report(
          'expression/not-upstream',
          'error',
          `step "${stepName}" uses its own output (${used}): a step can only read the output of steps it needs`,
          ref.start,
          ref.end,
        );
      } else if (!upstream.reaches(ref.stepId)) {
        report(
          'expression/not-upstream',
          'error',
          `step "${stepName}" uses ${used} but does not need "${ref.stepId}": add it to needs`,
          ref.start,
          ref.end,
        );
      }
    } else if (ref.root === 'env' && ref.key !== undefined && !declaredEnv.has(ref.key)) {
      report(
        'expression/unknown-env',
        'warning',
        `env.${ref.key} is not declared under env: in this pipeline: declare it there (env: { ${ref.key}: … }) or the value may be empty`,
        ref.start,
        ref.end,
      );
    }
  }
  return diagnostics;
}
