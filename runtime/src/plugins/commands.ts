// The command table of spec section 2: which plugin runs a step's `run:`. Unqualified names go to the
// last-loaded plugin that provides them; `plugin-name/command` always reaches that plugin's own command.
import type { CommandBinding, CommandTable, OrderedPlugin } from '../model/catalog';
import { compareCodePoints } from './discovery';
import { commandsOf } from './meta';

import type { CommandOverride } from '../model/loadOrder';

export type { CommandOverride };

export function buildCommandTable(ordered: OrderedPlugin[]): CommandTable {
  const byName = new Map<string, CommandBinding>();
  const qualified = new Map<string, CommandBinding>();
  // Sorted defensively: precedence must follow load order even if a caller filtered or reshuffled the list.
  for (const plugin of [...ordered].sort((a, b) => a.order - b.order)) {
    for (const [command, meta] of Object.entries(commandsOf(plugin.meta))) {
      const binding: CommandBinding = { command, plugin: plugin.meta.name, shadows: [] };
      if (meta.description !== undefined) binding.description = meta.description;
      if (meta.input !== undefined) binding.input = meta.input;
      qualified.set(qualifiedName(plugin.meta.name, command), binding);
      const previous = byName.get(command);
      byName.set(command, { ...binding, shadows: previous ? [...previous.shadows, previous.plugin] : [] });
    }
  }
  return { byName, qualified };
}

/**
 * The binding for a step's `run:`, or undefined when nothing provides it. The exact `plugin/command`
 * key is tried first; command names cannot contain `/`, so a bare name with a slash can only be the
 * default command of a scoped plugin (`@acme/deploy`), which lives in `byName`.
 */
export function resolveCommand(table: CommandTable, run: string): CommandBinding | undefined {
  return table.qualified.get(run) ?? table.byName.get(run);
}

/** `plugin/command`, the key of `CommandTable.qualified`. */
export function qualifiedName(plugin: string, command: string): string {
  return `${plugin}/${command}`;
}

/**
 * Splits `run:` into plugin and command at the LAST slash (`@acme/x/cmd` → `@acme/x` + `cmd`), for
 * messages such as "plugin x has no command y". A bare name, or a bare scoped plugin name
 * (`@acme/x`, where the part before the slash is only a scope), has no plugin part.
 */
export function splitCommandRef(run: string): { plugin?: string; command: string } {
  const slash = run.lastIndexOf('/');
  const plugin = slash > 0 ? run.slice(0, slash) : '';
  if (plugin === '' || (plugin.startsWith('@') && !plugin.includes('/'))) return { command: run };
  return { plugin, command: run.slice(slash + 1) };
}

/** Every command name provided by more than one loaded plugin, sorted by command name. */
export function describeOverrides(table: CommandTable): CommandOverride[] {
  return [...table.byName.values()]
    .filter((binding) => binding.shadows.length > 0)
    .sort((a, b) => compareCodePoints(a.command, b.command))
    .map((binding) => ({ command: binding.command, winner: binding.plugin, shadowed: [...binding.shadows] }));
}
