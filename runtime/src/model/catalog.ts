// The set of plugins a run (or the editor) works with: discovered, validated and ordered.
import type { PluginMeta, JsonSchema } from './plugin';

/** Where a plugin was found. */
export type PluginSource = 'local' | 'node_modules';

/** A plugin entry found on disk, before its module is loaded. */
export interface PluginCandidate {
  /** Absolute path of the module to load. */
  entry: string;
  /** Folder of the plugin (package root or plugins/<name>). */
  dir: string;
  source: PluginSource;
  /** From package.json, when there is one. */
  packageName?: string;
  packageVersion?: string;
  /** package.json `engines.aetherscript`, used when meta has none. */
  packageEngine?: string;
}

/** A plugin whose meta has been read and validated. */
export interface PluginRecord extends PluginCandidate {
  meta: PluginMeta;
}

/** A plugin in its load position. */
export interface OrderedPlugin extends PluginRecord {
  /** 0-based position in the load order. */
  order: number;
  /** Why it is at this position, for `plugins list --verbose` and the editor. */
  reason: string;
  /**
   * The plugins it loads after because it depends on them (the load-order graph's edges), in load
   * order; always set by `resolveLoadOrder` (optional for hand-built records in tests).
   */
  dependencies?: string[];
}

/** A command as resolved for a step. */
export interface CommandBinding {
  /** Command name without the plugin prefix. */
  command: string;
  /** Plugin that runs it. */
  plugin: string;
  description?: string;
  input?: JsonSchema;
  /** Plugins that provide the same command name but lose to `plugin` (earlier in load order). */
  shadows: string[];
}

export interface CommandTable {
  /** Winner per unqualified command name (last-loaded plugin wins). */
  byName: Map<string, CommandBinding>;
  /** Every plugin's own commands, by `plugin/command`. */
  qualified: Map<string, CommandBinding>;
}
