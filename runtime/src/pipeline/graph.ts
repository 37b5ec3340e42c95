// The `needs` graph of a pipeline's steps: cycle detection, upstream sets and the run order.
import type { PipelineStep } from '../model/pipeline';

/** Steps and their `needs` edges, in file order. */
export interface StepGraph {
  /** Step ids in file order (first occurrence when an id repeats). */
  ids: string[];
  /** What each step needs, as written (may name unknown steps). */
  needs: Map<string, string[]>;
  /** For each step, the known steps that need it, in file order. */
  dependents: Map<string, string[]>;
}

/** Builds the graph of `needs` edges; duplicate ids keep their first step. */
export function buildStepGraph(steps: Pick<PipelineStep, 'id' | 'needs'>[]): StepGraph {
  const ids: string[] = [];
  const needs = new Map<string, string[]>();
  const dependents = new Map<string, string[]>();
  for (const step of steps) {
    if (needs.has(step.id)) continue;
    ids.push(step.id);
    needs.set(step.id, [...new Set(step.needs)]);
    dependents.set(step.id, []);
  }
  for (const id of ids) {
    for (const need of needs.get(id) ?? []) dependents.get(need)?.push(id);
  }
  return { ids, needs, dependents };
}

/** The known steps a step needs directly, in the order written. */
function knownNeeds(graph: StepGraph, id: string): string[] {
  return (graph.needs.get(id) ?? []).filter((need) => graph.needs.has(need));
}

/**
 * Every cycle met by a depth-first walk in file order, each as a closed path: `['a', 'b', 'a']` means
 * a needs b and b needs a; a self-need is `['a', 'a']`. Iterative, so long chains cannot overflow the stack.
 */
export function findCycles(graph: StepGraph): string[][] {
  const state = new Map<string, 'active' | 'done'>();
  const cycles: string[][] = [];
  for (const root of graph.ids) {
    if (state.has(root)) continue;
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 'active');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const needs = knownNeeds(graph, frame.id);
      const need = needs[frame.next++];
      if (need === undefined) {
        state.set(frame.id, 'done');
        stack.pop();
      } else if (state.get(need) === 'active') {
        const from = stack.findIndex((entry) => entry.id === need);
        cycles.push([...stack.slice(from).map((entry) => entry.id), need]);
      } else if (!state.has(need)) {
        state.set(need, 'active');
        stack.push({ id: need, next: 0 });
      }
    }
  }
  return cycles;
}

/** The first cycle in file order, as a closed path like `['a', 'b', 'a']`, or undefined. */
export function findCycle(graph: StepGraph): string[] | undefined {
  return findCycles(graph)[0];
}

/** Every step `id` needs, directly or transitively (itself only when it is on a cycle). */
export function upstreamOf(graph: StepGraph, id: string): Set<string> {
  const seen = new Set<string>();
  const queue = [...(graph.needs.get(id) ?? [])];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    // Unknown needs have no entry in the graph and are not upstream of anything.
    if (seen.has(next) || !graph.needs.has(next)) continue;
    seen.add(next);
    for (const need of graph.needs.get(next) ?? []) if (!seen.has(need)) queue.push(need);
  }
  return seen;
}

/**
 * The order steps run in one at a time: a step after all it needs; among ready steps, the first in file
 * order. Needs of unknown steps are ignored; steps on or behind a cycle are left out (check findCycle first).
 */
export function topologicalOrder(graph: StepGraph): string[] {
  const position = new Map(graph.ids.map((id, index) => [id, index]));
  const waiting = new Map(graph.ids.map((id) => [id, knownNeeds(graph, id).length]));
  // Ready steps kept sorted by file position; a binary insert keeps this O(n log n) for large files.
  const ready = graph.ids.filter((id) => waiting.get(id) === 0);
  const order: string[] = [];
  for (let id = ready.shift(); id !== undefined; id = ready.shift()) {
    order.push(id);
    for (const dependent of graph.dependents.get(id) ?? []) {
      const left = (waiting.get(dependent) ?? 0) - 1;
      waiting.set(dependent, left);
      if (left === 0) insertSorted(ready, dependent, (a) => position.get(a) ?? 0);
    }
  }
  return order;
}

function insertSorted(list: string[], item: string, rank: (item: string) => number): void {
  let low = 0;
  let high = list.length;
  const value = rank(item);
  while (low < high) {
    const mid = (low + high) >> 1;
    if (rank(list[mid]!) < value) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, item);
}

/** "Does step `from` need step `to`, directly or through other steps?", asked many times of one graph. */
export interface Reachability {
  reaches(from: string, to: string): boolean;
}

const reachabilities = new WeakMap<StepGraph, Reachability>();

/**
 * Reachability over the `needs` graph, computed once per graph. One depth-first walk numbers the steps
 * (pre and post order, from the steps nobody needs, last first, so a chain is one path of the tree):
 * a step inside another's subtree is reached (the common case, O(1)); in an acyclic graph a step
 * finished later than `from` cannot be reached (O(1)); only what is left searches, and that search
 * skips every step that cannot lead to the target. Asking every step about a distant step of a long
 * chain is linear instead of quadratic (16,000 steps: 57 s before). With a cycle (an error of its own)
 * the numbering proves nothing, and each question searches.
 */
export function reachability(graph: StepGraph): Reachability {
  let found = reachabilities.get(graph);
  if (!found) {
    found = numberSteps(graph);
    reachabilities.set(graph, found);
  }
  return found;
}

function numberSteps(graph: StepGraph): Reachability {
  const pre = new Map<string, number>();
  const post = new Map<string, number>();
  const needsOf = (id: string): string[] => (graph.needs.get(id) ?? []).filter((need) => graph.needs.has(need));
  let clock = 0;
  let cyclic = false;
  const roots = graph.ids.filter((id) => (graph.dependents.get(id) ?? []).length === 0).reverse();
  for (const root of [...roots, ...[...graph.ids].reverse()]) {
    if (pre.has(root)) continue;
    const stack: { id: string; needs: string[]; next: number }[] = [{ id: root, needs: needsOf(root), next: 0 }];
    pre.set(root, clock++);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const need = frame.needs[frame.next++];
      if (need === undefined) {
        post.set(frame.id, clock++);
        stack.pop();
      } else if (!pre.has(need)) {
        pre.set(need, clock++);
        stack.push({ id: need, needs: needsOf(need), next: 0 });
      } else if (!post.has(need)) {
        cyclic = true; // an edge back to a step still on the walk
      }
    }
  }
  const inSubtree = (ancestor: string, id: string): boolean =>
    (pre.get(ancestor) ?? 0) <= (pre.get(id) ?? 0) && (post.get(id) ?? 0) <= (post.get(ancestor) ?? 0);
  return {
    reaches(from, to) {
      if (!graph.needs.has(from) || !graph.needs.has(to)) return false;
      if (from !== to && inSubtree(from, to)) return true;
      const limit = post.get(to) ?? 0;
      if (!cyclic && limit > (post.get(from) ?? 0)) return false;
      const seen = new Set<string>();
      const queue = needsOf(from);
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
        if (id === to || inSubtree(id, to)) return true;
        // Acyclic: whatever finished before `to` cannot lead to it.
        if (seen.has(id) || (!cyclic && (post.get(id) ?? 0) < limit)) continue;
        seen.add(id);
        for (const need of needsOf(id)) if (!seen.has(need)) queue.push(need);
      }
      return false;
    },
  };
}
