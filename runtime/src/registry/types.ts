// The registry API's types (spec section 12), shared by the CLI and the editor's Plugins view. No
// imports with Node in them: the detail page's webview reads these types too.

/** One search result: a plugin package as the registry has it, checked from its tarball. */
export interface CatalogEntry {
  name: string;
  /** The version checked (the latest, for a search). */
  version: string;
  description?: string;
  /** Whether its runtime range (meta.engines.aetherscript, else package.json engines) accepts this runtime. */
  compatible: boolean;
  runtimeRange?: string;
  /** Against the workspace's trusted keys: verified, unsigned, unknown-key, modified…; `unavailable`/`integrity-failed` when it could not be checked. */
  attestation: { status: string; message?: string; keyId?: string };
  /** Declared permissions in canonical form `{ fs: { read, write }, env }` (the signed ones when verified). */
  permissions?: unknown;
  /** The signed benchmark summary (predicate `benchmarks`), when verified and recorded. */
  benchmarks?: unknown;
  /** The commands its meta declares (the plugin's own name when it declares none), for the editor's completion. */
  commands?: string[];
  /** The lifecycle events its meta subscribes to. */
  hooks?: string[];
  /** The version installed in the workspace's node_modules, if any. */
  installedVersion?: string;
  /** The registry it came from. */
  registry?: string;
  /** npm's integrity of the tarball that was checked. */
  integrity?: string;
  /** Why it cannot be installed as a plugin (no entry, no meta…); empty when none. */
  problems?: string[];
}

/** A catalog entry with what a detail page shows. */
export interface PluginDetail extends CatalogEntry {
  readme?: string;
  /** The plugin's `static meta` as far as it is literal: commands, hooks, config schema… */
  meta?: unknown;
  files?: { path: string; size: number }[];
  /** package.json from the tarball. */
  manifest?: Record<string, unknown>;
}

/** Options shared by every registry operation. */
export interface RegistryOptions {
  /** Overrides the registry of the workspace's npm configuration. */
  registry?: string;
  signal?: AbortSignal;
  /** One human line per step or download (the CLI writes them to stderr). */
  onProgress?: (line: string) => void;
  /** The runtime bundles `plugins sync` loads plugins with after an install (default: beside this module, as in the CLI; the editor passes the .vsix's). */
  bundles?: { hostModule: string; apiModule: string };
}

/** What `addPlugin` installed. */
export interface AddResult {
  name: string;
  version: string;
  attestation: CatalogEntry['attestation'];
  /** Plugins it depends on (meta.dependencies) that were missing and were installed with it, each verified the same way. */
  dependencies?: { name: string; version: string; attestation: CatalogEntry['attestation'] }[];
  /** Warnings (an unverified plugin installed under policy warn…). */
  warnings?: string[];
}

export interface UpdateResult {
  updated: { name: string; from: string; to: string }[];
  refused: { name: string; reason: string; diff: string }[];
}

export interface PublishPreview {
  manifest: Record<string, unknown>;
  files: { path: string; size: number }[];
  /** Size of the packed tarball in bytes. */
  size: number;
  signature?: { keyId: string };
  /** What stops the publish (empty: it can go). */
  problems: string[];
  /** Whether package.json was generated from meta (a local plugin without one). */
  generatedManifest?: boolean;
  /** Sandbox cases run: passed and failed. */
  sandbox?: { passed: number; failed: number; failures: string[] };
  /** Benchmark figures signed with it, or why none. */
  benchmarks?: string;
  /** npm's integrity of the packed tarball. */
  integrity?: string;
}
