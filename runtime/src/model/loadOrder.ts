// The resolved load order of a workspace folder as data: what the editor's plugins panel shows (the
// language server's `aether/loadOrder` request) and `plugins list --verbose` says. Types only, so the
// webview can import them without the runtime's code.
import type { SignedPermissions } from './permissions';

/** One overridden command name, for `plugins list --verbose` and the editor. */
export interface CommandOverride {
  command: string;
  /** The plugin that runs the unqualified name (the last loaded). */
  winner: string;
  /** The plugins it overrides, in load order. */
  shadowed: string[];
}

/** One loaded plugin in its position. */
export interface LoadOrderEntry {
  name: string;
  version: string;
  /** 0-based load position. */
  order: number;
  /** Why it is at this position, for people ("after a, b (dependencies)…"). */
  reason: string;
  /** The plugins it loads after because it depends on them: the graph's edges, as data. */
  dependencies: string[];
  entry: string;
  source: 'local' | 'node_modules';
  commands: string[];
  hooks: string[];
  /** What the runtime will let it read, write and see (`meta.permissions`, canonical). */
  permissions: SignedPermissions;
}

/** A plugin found in the workspace that would not load, and why. */
export interface NotLoadedEntry {
  name?: string;
  entry: string;
  reasons: Array<{ code: string; message: string }>;
}

export interface LoadOrderResult {
  folder: string;
  plugins: LoadOrderEntry[];
  notLoaded: NotLoadedEntry[];
  overrides: CommandOverride[];
  /** Discovery problems not tied to one plugin (unreadable folders, bad package.json files). */
  problems: Array<{ code: string; message: string; file?: string }>;
}
