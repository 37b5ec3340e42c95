// Checks on the steps' ids and `needs` that the schema cannot express: unique ids, needs that name real
// steps, no step needing itself, no cycles. Works on the YAML AST, so it also runs (on what it can read)
// when the schema reported problems elsewhere.
import { isMap, isScalar, isSeq, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import type { AetherDiagnostic } from '../model/diagnostics';
import { resolveAlias } from './aliases';
import { buildStepGraph, findCycles, type StepGraph } from './graph';
import { listed, Suggestions } from './suggestions';
import { findPair, nodeRange, type PositionSource } from './yamlNodes';

export interface CheckContext extends PositionSource {
  document: Document;
  file: string;
}

/** A step as read from the AST, whatever the schema thinks of it. */
export interface StepNode {
  index: number;
  node: YAMLMap;
  id?: string;
  idNode?: Scalar;
  /** Each string entry of `needs`, with its node. */
  needs: { id: string; node: Node }[];
}

/** The step mappings under `steps:`, in file order. */
export function readStepNodes(document: Document): StepNode[] {
  const stepsNode = resolve(document, findPair(document.contents, 'steps')?.value);
  if (!isSeq(stepsNode)) return [];
  const steps: StepNode[] = [];
  stepsNode.items.forEach((item, index) => {
    const node = resolve(document, item);
    if (!isMap(node)) return;
    const idNode = findPair(node, 'id')?.value;
    const needsNode = resolve(document, findPair(node, 'needs')?.value);
    const needEntries = isSeq(needsNode) ? needsNode.items : needsNode ? [needsNode] : [];
    const needs = needEntries
      .filter((entry): entry is Scalar => isScalar(entry) && typeof entry.value === 'string')
      .map((entry) => ({ id: entry.value as string, node: entry }));
    const step: StepNode = { index, node, needs };
    if (isScalar(idNode) && typeof idNode.value === 'string') {
      step.id = idNode.value;
      step.idNode = idNode;
    }
    steps.push(step);
  });
  return steps;
}

function resolve(document: Document, node: unknown): unknown {
  return resolveAlias(document, node);
}

/** Diagnostics for ids and needs, and the graph of the steps (self-needs and unknown needs left out). */
export function checkSteps(context: CheckContext, steps: StepNode[]): { diagnostics: AetherDiagnostic[]; graph: StepGraph } {
  const diagnostics: AetherDiagnostic[] = [];
  const report = (code: string, message: string, node: unknown): void => {
    diagnostics.push({ code, severity: 'error', message, file: context.file, range: nodeRange(context, node) });
  };

  const firstById = new Map<string, StepNode>();
  for (const step of steps) {
    if (step.id === undefined) continue;
    const first = firstById.get(step.id);
    if (first) {
      const line = first.idNode ? nodeRange(context, first.idNode)?.line : undefined;
      report(
        'pipeline/duplicate-step-id',
        `Duplicate step id "${step.id}": the step at line ${line ?? '?'} already uses it. Give each step its own id.`,
        step.idNode,
      );
    } else {
      firstById.set(step.id, step);
    }
  }

  const known = [...firstById.keys()];
  const suggestions = new Suggestions(known);
  for (const step of steps) {
    const name = step.id === undefined ? `Step #${step.index + 1}` : `Step "${step.id}"`;
    for (const need of step.needs) {
      if (need.id === step.id) {
        report('pipeline/self-need', `${name} needs itself: remove "${need.id}" from its needs`, need.node);
      } else if (!firstById.has(need.id)) {
        const hint = suggestions.didYouMean(need.id) || (known.length ? ` Steps: ${listed(known)}.` : '');
        report('pipeline/unknown-need', `${name} needs "${need.id}", which is not a step in this pipeline.${hint}`, need.node);
      }
    }
  }

  const graph = buildStepGraph(
    [...firstById.values()].map((step) => ({
      id: step.id ?? '',
      needs: step.needs.map((need) => need.id).filter((id) => id !== step.id && firstById.has(id)),
    })),
  );
  for (const cycle of findCycles(graph)) {
    // Underline the entry of `needs` that closes the loop, in the first step of the path.
    const [from, to] = cycle;
    const entry = firstById.get(from ?? '')?.needs.find((need) => need.id === to);
    report(
      'pipeline/need-cycle',
      `Steps need each other in a cycle: ${cycle.join(' -> ')}. Remove one of these needs so the steps can run in order.`,
      entry?.node ?? firstById.get(from ?? '')?.idNode,
    );
  }
  return { diagnostics, graph };
}
