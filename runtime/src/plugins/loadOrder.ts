// The load order of spec section 2: a plugin after every plugin it depends on, and among the plugins
// whose dependencies have all loaded, the one whose meta.name sorts first in code-point order. The order
// is a pure function of the plugin set, so it is the same on every machine and in every run.
import * as semver from 'semver';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { OrderedPlugin, PluginRecord } from '../model/catalog';
import { compareCodePoints, displayPath } from './discovery';

export interface LoadOrderResult {
  /** Loadable plugins in load order, `order` 0-based. */
  ordered: OrderedPlugin[];
  /** Errors for duplicates, missing or out-of-range dependencies, cycles, and what they kept from loading. */
  diagnostics: AetherDiagnostic[];
}

/** Past this many cycles the rest are summarised: enumerating every cycle of a dense graph is exponential. */
const MAX_REPORTED_CYCLES = 20;
/** The same guard for the search itself, which can walk many paths before it closes a cycle. */
const MAX_CYCLE_SEARCH_STEPS = 100_000;

export function resolveLoadOrder(plugins: PluginRecord[]): LoadOrderResult {
  const diagnostics: AetherDiagnostic[] = [];
  /** Why a plugin cannot load, by name; the first cause found is kept. */
  const excluded = new Map<string, string>();
  const exclude = (name: string, cause: string): void => {
    if (!excluded.has(name)) excluded.set(name, cause);
  };

  // 1. One plugin per name. With two, neither loads: which one the user meant is a guess we will not make.
  const byName = new Map<string, PluginRecord>();
  for (const [name, group] of groupByName(plugins)) {
    if (group.length === 1) {
      byName.set(name, group[0]!);
      continue;
    }
    const files = group.map((p) => displayPath(p)).sort(compareCodePoints);
    diagnostics.push({
      code: 'plugin/duplicate-name',
      severity: 'error',
      plugin: name,
      file: group[0]!.entry,
      message: `${group.length} plugins are named "${name}": ${files.join(' and ')}; uninstall or rename all but one. None of them is loaded.`,
    });
    exclude(name, `two plugins are named "${name}"`);
  }
  const names = [...byName.keys()].sort(compareCodePoints);

  // 2. Every dependency installed, at a version inside the range asked for.
  for (const name of names) {
    const plugin = byName.get(name)!;
    for (const [dep, range] of dependenciesOf(plugin)) {
      const installed = byName.get(dep);
      if (!installed) {
        if (excluded.has(dep)) continue; // a duplicate name: reported above, and propagated in step 4
        diagnostics.push(missingDependency(name, plugin.entry, dep, range));
        exclude(name, `its dependency "${dep}" is not installed`);
      } else if (!satisfies(installed.meta.version, range)) {
        diagnostics.push(
          error(
            'plugin/dependency-version',
            plugin,
            `"${name}" needs "${dep}" ${range} but ${installed.meta.version} is installed; install a matching "${dep}" or widen the range. "${name}" is not loaded.`,
          ),
        );
        exclude(name, `"${dep}" ${installed.meta.version} is outside ${range}`);
      }
    }
  }

  // 3. Cycles, over every uniquely named plugin, so all of a workspace's problems show up in one pass.
  const edges = new Map(
    names.map((name) => [
      name,
      dependenciesOf(byName.get(name)!)
        .map(([dep]) => dep)
        .filter((dep) => byName.has(dep)),
    ]),
  );
  const { cycles, truncated, members } = findCycles(names, edges);
  for (const cycle of cycles) {
    const path = [...cycle, cycle[0]!].join(' -> ');
    diagnostics.push(
      error(
        'plugin/dependency-cycle',
        byName.get(cycle[0]!)!,
        `dependency cycle: ${path}; remove one of these dependencies. ${quoteList(cycle)} ${cycle.length === 1 ? 'is' : 'are'} not loaded.`,
      ),
    );
    for (const name of cycle) exclude(name, `it is in the dependency cycle ${path}`);
  }
  if (truncated) {
    const rest = [...members].filter((name) => !excluded.has(name)).sort(compareCodePoints);
    const first = byName.get(rest[0] ?? [...members][0]!)!;
    diagnostics.push(
      error(
        'plugin/dependency-cycle',
        first,
        `more dependency cycles among ${quoteList([...members].sort(compareCodePoints))} than are listed here; untangle the dependencies above first. ${rest.length > 0 ? `${quoteList(rest)} ${rest.length === 1 ? 'is' : 'are'} not loaded.` : ''}`.trim(),
      ),
    );
    for (const name of rest) exclude(name, 'it is in a dependency cycle');
  }

  // 4. A plugin whose dependency cannot load cannot load either, transitively.
  const dependents = invert(names, byName);
  const queue = [...excluded.keys()].sort(compareCodePoints);
  for (let i = 0; i < queue.length; i++) {
    const dep = queue[i]!;
    for (const name of dependents.get(dep) ?? []) {
      if (excluded.has(name)) continue;
      const cause = `it depends on "${dep}", which is not loaded (${excluded.get(dep)})`;
      exclude(name, cause);
      diagnostics.push(error('plugin/dependency-not-loaded', byName.get(name)!, `plugin "${name}" is not loaded because ${cause}.`));
      queue.push(name);
    }
  }

  return {
    ordered: kahn(
      names.filter((name) => !excluded.has(name)),
      byName,
      dependents,
    ),
    diagnostics,
  };
}

/**
 * Kahn's algorithm with a ready list kept sorted by name: each step loads the smallest ready name.
 * Every dependency of `loadable` is itself loadable (step 4 made sure), so all of them get placed.
 */
function kahn(loadable: string[], byName: Map<string, PluginRecord>, dependents: Map<string, string[]>): OrderedPlugin[] {
  const waitingOn = new Map(loadable.map((name) => [name, new Set(dependenciesOf(byName.get(name)!).map(([dep]) => dep))]));
  const ready = loadable.filter((name) => waitingOn.get(name)!.size === 0).sort(compareCodePoints);
  const position = new Map<string, number>();
  const ordered: OrderedPlugin[] = [];

  while (ready.length > 0) {
    const hadCompany = ready.length > 1;
    const name = ready.shift()!;
    const plugin = byName.get(name)!;
    const deps = [...new Set(dependenciesOf(plugin).map(([dep]) => dep))].sort((a, b) => position.get(a)! - position.get(b)!);
    const after = deps.length === 0 ? 'no dependencies' : `after ${deps.join(', ')} (${deps.length === 1 ? 'dependency' : 'dependencies'})`;
    const reason = hadCompany ? `${after}; first by name among ready plugins` : after;

    position.set(name, ordered.length);
    ordered.push({ ...plugin, order: ordered.length, reason, dependencies: deps });
    for (const dependent of dependents.get(name) ?? []) {
      const waiting = waitingOn.get(dependent);
      if (!waiting?.delete(name) || waiting.size > 0) continue;
      insertSorted(ready, dependent);
    }
  }
  return ordered;
}

/**
 * Elementary dependency cycles, each reported once, starting at its smallest name (so `a -> b -> a`
 * and `b -> a -> b` are one cycle). Searches run inside strongly connected components only.
 */
function findCycles(names: string[], edges: Map<string, string[]>): { cycles: string[][]; truncated: boolean; members: Set<string> } {
  const component = stronglyConnected(names, edges);
  const sizes = new Map<number, number>();
  for (const id of component.values()) sizes.set(id, (sizes.get(id) ?? 0) + 1);
  const members = new Set(names.filter((name) => sizes.get(component.get(name)!)! > 1 || (edges.get(name) ?? []).includes(name)));
  const cycles: string[][] = [];
  let truncated = false;
  let steps = 0;

  for (const start of [...members].sort(compareCodePoints)) {
    const stack: string[] = [start];
    const onStack = new Set(stack);
    const visit = (node: string): void => {
      if (++steps > MAX_CYCLE_SEARCH_STEPS) truncated = true;
      for (const next of [...new Set(edges.get(node) ?? [])].sort(compareCodePoints)) {
        if (truncated) return;
        if (next === start) {
          if (cycles.length === MAX_REPORTED_CYCLES) {
            truncated = true;
            return;
          }
          cycles.push([...stack]);
        } else if (!onStack.has(next) && compareCodePoints(next, start) > 0 && component.get(next) === component.get(start)) {
          stack.push(next);
          onStack.add(next);
          visit(next);
          stack.pop();
          onStack.delete(next);
        }
      }
    };
    visit(start);
    if (truncated) break;
  }
  return { cycles, truncated, members };
}

/** Tarjan's algorithm: component id per name. */
function stronglyConnected(names: string[], edges: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const component = new Map<string, number>();
  const stack: string[] = [];
  let counter = 0;
  let components = 0;

  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (!component.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      let member: string | undefined;
      do {
        member = stack.pop()!;
        component.set(member, components);
      } while (member !== node);
      components++;
    }
  };
  for (const name of names) if (!index.has(name)) connect(name);
  return component;
}

function groupByName(plugins: PluginRecord[]): Map<string, PluginRecord[]> {
  const groups = new Map<string, PluginRecord[]>();
  for (const plugin of [...plugins].sort((a, b) => compareCodePoints(a.entry, b.entry))) {
    const group = groups.get(plugin.meta.name);
    if (group) group.push(plugin);
    else groups.set(plugin.meta.name, [plugin]);
  }
  return groups;
}

/** Dependencies as [name, range], sorted by name. */
function dependenciesOf(plugin: PluginRecord): Array<[string, string]> {
  return Object.entries(plugin.meta.dependencies ?? {}).sort(([a], [b]) => compareCodePoints(a, b));
}

/** Name → names of the plugins that depend on it (any name, installed or not), sorted. */
function invert(names: string[], byName: Map<string, PluginRecord>): Map<string, string[]> {
  const dependents = new Map<string, string[]>();
  for (const name of names) {
    for (const [dep] of dependenciesOf(byName.get(name)!)) {
      const list = dependents.get(dep) ?? [];
      if (!list.includes(name)) list.push(name);
      dependents.set(dep, list);
    }
  }
  return dependents;
}

/**
 * The dependency was installed by the user at exactly this version, so a prerelease of it counts like
 * any other version (the same rule as the engine check in meta.ts).
 */
function satisfies(version: string, range: string): boolean {
  return semver.validRange(range) !== null && semver.satisfies(version, range, { includePrerelease: true });
}

function insertSorted(list: string[], name: string): void {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareCodePoints(list[mid]!, name) < 0) low = mid + 1;
    else high = mid;
  }
  list.splice(low, 0, name);
}

function missingDependency(name: string, entry: string, dep: string, range: string): AetherDiagnostic {
  return {
    code: 'plugin/missing-dependency',
    severity: 'error',
    plugin: name,
    file: entry,
    message: `plugin "${name}" depends on "${dep}" (${range}), which is not installed; install it or remove the dependency. "${name}" is not loaded.`,
  };
}

/**
 * The dependencies of a plugin that does not load for reasons of its own (an invalid `meta.version`…)
 * on plugins that are not there at all: reported beside those reasons, so that fixing one does not
 * reveal the next. `dependencies` is the meta's raw value; `installed` every plugin name there is.
 */
export function missingDependencies(
  name: string,
  entry: string,
  dependencies: unknown,
  installed: ReadonlySet<string>,
): AetherDiagnostic[] {
  if (!dependencies || typeof dependencies !== 'object' || Array.isArray(dependencies)) return [];
  return Object.entries(dependencies as Record<string, unknown>)
    .filter(([dep, range]) => typeof range === 'string' && dep !== name && !installed.has(dep))
    .sort(([a], [b]) => compareCodePoints(a, b))
    .map(([dep, range]) => missingDependency(name, entry, dep, range as string));
}

function error(code: string, plugin: PluginRecord, message: string): AetherDiagnostic {
  return { code, severity: 'error', plugin: plugin.meta.name, file: plugin.entry, message };
}

function quoteList(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}
