// What the language server knows about one workspace folder's plugins: discovered by the runtime's own
// discovery, meta read statically from source (never executed), ordered and mapped to commands by the
// runtime's own functions. One index per workspace folder; multi-root workspaces get several.
import { RUNTIME_VERSION } from '../version';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { CommandTable, OrderedPlugin, PluginCandidate, PluginRecord } from '../model/catalog';
import type { PluginMeta } from '../model/plugin';
import { buildCommandTable, checkEngine, discoverPlugins, resolveLoadOrder, missingDependencies, type DiscoveryResult } from '../plugins';
import { validatePluginSource, type PluginSourceInfo } from './pluginSource';

/** The file access the index needs; the server passes Node's, tests pass memory. */
export interface FileSystem {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readFile(path: string): Promise<string | undefined>;
}

/** Finds the plugin candidates of a workspace root (the runtime's `discoverPlugins` by default). */
export type Discover = (root: string) => Promise<DiscoveryResult>;

/**
 * Checks a plugin's attestation under the workspace's trust policy; returns the diagnostic to show, if
 * any (an error keeps the plugin from loading, as under `require`). Reads files, never runs them.
 */
export type CheckTrust = (root: string, candidate: PluginCandidate, meta: PluginMeta) => Promise<AetherDiagnostic | undefined>;

/**
 * Parses and checks a plugin source: {@link validatePluginSource} by default; the server runs it in a
 * worker thread, so that TypeScript's memory goes when the worker does.
 */
export type ReadPluginSource = (text: string, file: string, location: PluginCandidate) => Promise<PluginSourceInfo>;

export interface WorkspaceIndexOptions {
  fs: FileSystem;
  readSource?: ReadPluginSource;
  discover?: Discover;
  /** Attestation checks (none by default: in-memory workspaces have nothing signed). */
  checkTrust?: CheckTrust;
  /** The runtime version plugins' `engines.aetherscript` ranges are checked against. */
  runtimeVersion?: string;
}

/** One plugin of the workspace, as far as its source tells. */
export interface IndexedPlugin {
  candidate: PluginCandidate;
  source: PluginSourceInfo;
  /** The meta the runtime would see, when it is usable (valid, or only unknown where not literal). */
  meta?: PluginMeta;
  /** Why this plugin would not load, when it would not (meta errors, engine range, load order). */
  loadErrors: AetherDiagnostic[];
}

/** Codes `resolveLoadOrder` reports; recomputed on every resolve. */
const LOAD_ORDER_CODES = new Set([
  'plugin/duplicate-name',
  'plugin/missing-dependency',
  'plugin/dependency-version',
  'plugin/dependency-cycle',
  'plugin/dependency-not-loaded',
]);

/** The version of the runtime this server ships with. */
export { RUNTIME_VERSION };

export class WorkspaceIndex {
  private readonly fs: FileSystem;
  private readonly discover: Discover;
  private readonly runtimeVersion: string;
  private readonly checkTrust: CheckTrust | undefined;
  private readonly readSource: ReadPluginSource;
  /** Attestation results per entry: they depend on the files on disk, so editor overlays keep them. */
  private readonly trustResults = new Map<string, AetherDiagnostic | undefined>();
  private discovery: DiscoveryResult = { candidates: [], diagnostics: [] };
  private byEntry = new Map<string, IndexedPlugin>();
  /** Texts of open editors, which win over the disk (unsaved edits to a plugin's meta count). */
  private readonly overlays = new Map<string, string>();
  private orderedPlugins: OrderedPlugin[] = [];
  /** The tail of the queue of index updates (see `serially`). */
  private updates: Promise<void> = Promise.resolve();
  private orderDiagnostics: AetherDiagnostic[] = [];
  private table: CommandTable = { byName: new Map(), qualified: new Map() };
  /** Bumped on every change, so callers can cache per index version. */
  version = 0;
  /** Bumped when discovery runs again: the plugin package.json files, and what it found in them, may differ. */
  discoveryVersion = 0;

  constructor(
    readonly root: string,
    options: WorkspaceIndexOptions,
  ) {
    this.fs = options.fs;
    this.discover = options.discover ?? discoverPlugins;
    this.runtimeVersion = options.runtimeVersion ?? RUNTIME_VERSION;
    this.checkTrust = options.checkTrust;
    this.readSource = options.readSource ?? (async (text, file, location) => validatePluginSource(text, file, location));
  }

  /** Rediscovers every plugin and re-reads every source. */
  refresh(): Promise<void> {
    return this.serially(() => this.rediscover());
  }

  /**
   * Runs index updates one after another: each reads the disk and the overlays when it starts and
   * applies what it read when it ends, so two that overlapped (a config saved twice, a plugin edited
   * while the workspace is rediscovered) could otherwise leave the older reading in place.
   */
  private serially<T>(update: () => Promise<T>): Promise<T> {
    const run = this.updates.then(update);
    this.updates = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async rediscover(): Promise<void> {
    const discovery = await this.discover(this.root);
    this.trustResults.clear();
    const plugins = await Promise.all(discovery.candidates.map((candidate) => this.readPlugin(candidate)));
    this.discovery = discovery;
    this.byEntry = new Map(plugins.map((p) => [p.candidate.entry, p]));
    this.discoveryVersion++;
    this.resolve();
  }

  /**
   * A file changed, was created or deleted (`text` given: an editor's unsaved content; `null`: the
   * editor closed it). A known plugin entry is re-read alone; anything that can change what is
   * discovered (package.json files, new entries under plugins/) rediscovers. Returns whether the index
   * changed.
   */
  fileChanged(path: string, text?: string | null): Promise<boolean> {
    if (text === undefined) return this.filesChanged([path]);
    // The newest editor text is what any read from now on sees, even one already queued.
    if (text === null) this.overlays.delete(path);
    else this.overlays.set(path, text);
    return this.serially(async () => {
      const known = this.byEntry.get(path);
      if (known) await this.reread([known]);
      else if (this.affectsDiscovery(path)) await this.rediscover();
      else return false;
      return true;
    });
  }

  /**
   * Files changed on disk (one batch of watcher events): rediscovers once if any of them can change
   * what is discovered; otherwise re-reads the plugins they belong to. Returns whether the index changed.
   */
  filesChanged(paths: readonly string[]): Promise<boolean> {
    return this.serially(async () => {
      if (paths.some((path) => !this.byEntry.has(path) && this.affectsDiscovery(path))) {
        await this.rediscover();
        return true;
      }
      // A plugin's attestation covers every file of it on disk, not only the entry: check it again.
      const stale = new Set<IndexedPlugin>();
      for (const path of paths) {
        const known = this.byEntry.get(path);
        if (known) stale.add(known);
        for (const p of this.byEntry.values()) {
          if (!isInside(p.candidate.dir, path)) continue;
          this.trustResults.delete(p.candidate.entry);
          if (this.checkTrust) stale.add(p);
        }
      }
      if (stale.size === 0) return false;
      await this.reread([...stale]);
      return true;
    });
  }

  private async reread(plugins: IndexedPlugin[]): Promise<void> {
    const read = await Promise.all(plugins.map((p) => this.readPlugin(p.candidate)));
    for (const plugin of read) this.byEntry.set(plugin.candidate.entry, plugin);
    this.resolve();
  }

  /** Whether a change to `path` can add, remove or move a plugin. */
  affectsDiscovery(path: string): boolean {
    const rel = relative(this.root, path);
    if (rel === undefined) return false;
    // The synced plugin list and the trust policy decide what loads.
    if (rel === 'aether.config.json') return true;
    if (rel.endsWith('/package.json') || rel === 'package.json') return rel.startsWith('plugins/') || rel.startsWith('node_modules/');
    // plugins/<name>/index.{ts,js,mjs}: a new local plugin, or one removed.
    if (/^plugins\/[^/]+\/index\.(ts|js|mjs)$/.test(rel) || /^plugins\/[^/]+$/.test(rel)) return true;
    // Any file in a local plugin folder with no plugin discovered in it: the entry its package.json
    // names may just have been built.
    const folder = /^plugins\/[^/]+/.exec(rel)?.[0];
    return folder !== undefined && !this.plugins.some((p) => relative(this.root, p.candidate.dir) === folder);
  }

  /** Whether `path` is this workspace folder's or inside it. */
  contains(path: string): boolean {
    return relative(this.root, path) !== undefined;
  }

  get plugins(): IndexedPlugin[] {
    return [...this.byEntry.values()];
  }

  /** Package (or folder) names of plugins on disk that the synced `aether.plugins` list leaves out. */
  get notSyncedNames(): string[] {
    return this.discovery.notSynced ?? [];
  }

  /** Plugins that would load, in load order. */
  get ordered(): OrderedPlugin[] {
    return this.orderedPlugins;
  }

  get commands(): CommandTable {
    return this.table;
  }

  /**
   * The package.json files the plugin model reads: every discovered plugin's (where there is one) and
   * every one discovery found a problem in. Sorted, without duplicates.
   */
  get pluginPackageFiles(): string[] {
    const files = new Set<string>();
    for (const plugin of this.byEntry.values()) files.add(joinPath(plugin.candidate.dir, 'package.json'));
    for (const d of this.discovery.diagnostics) if (d.file && /(?:^|[/\\])package\.json$/.test(d.file)) files.add(d.file);
    return [...files].sort();
  }

  /** Discovery and load-order problems (per-plugin ones are also in `IndexedPlugin.loadErrors`). */
  get diagnostics(): AetherDiagnostic[] {
    return [...this.discovery.diagnostics, ...this.orderDiagnostics];
  }

  plugin(name: string): IndexedPlugin | undefined {
    for (const plugin of this.byEntry.values()) if (pluginName(plugin) === name) return plugin;
    return undefined;
  }

  pluginAt(entry: string): IndexedPlugin | undefined {
    return this.byEntry.get(entry);
  }

  /** Every plugin name the workspace knows, loadable or not. */
  get pluginNames(): string[] {
    return [...new Set(this.plugins.map(pluginName).filter((n): n is string => n !== undefined))].sort();
  }

  isLoaded(name: string): boolean {
    return this.orderedPlugins.some((p) => p.meta.name === name);
  }

  private async readPlugin(candidate: PluginCandidate): Promise<IndexedPlugin> {
    const text = this.overlays.get(candidate.entry) ?? (await this.fs.readFile(candidate.entry)) ?? '';
    const source = await this.readSource(text, candidate.entry, candidate);
    const loadErrors = source.diagnostics.filter((d) => d.severity === 'error');
    const plugin: IndexedPlugin = { candidate, source, loadErrors };
    const value = source.metaValue as Partial<PluginMeta> | undefined;
    if (loadErrors.length === 0 && value && typeof value.name === 'string') {
      // A version the parser could not read is still some version; ranges then cannot fail on it.
      plugin.meta = { ...value, name: value.name, version: typeof value.version === 'string' ? value.version : '0.0.0' };
      const engine = checkEngine(plugin.meta, candidate, this.runtimeVersion);
      if (engine) plugin.loadErrors.push(engine);
      else if (this.checkTrust) {
        if (!this.trustResults.has(candidate.entry))
          this.trustResults.set(candidate.entry, await this.checkTrust(this.root, candidate, plugin.meta));
        const trust = this.trustResults.get(candidate.entry);
        if (trust?.severity === 'error') plugin.loadErrors.push(trust);
        else if (trust) plugin.source = { ...source, diagnostics: [...source.diagnostics, trust] };
      }
    }
    return plugin;
  }

  /** Load order and command table from the current plugins (cheap: no I/O). */
  private resolve(): void {
    const records: PluginRecord[] = [];
    for (const plugin of this.byEntry.values()) {
      // Errors of an earlier resolve are recomputed below; only the plugin's own ones stay.
      plugin.loadErrors = plugin.loadErrors.filter((d) => !LOAD_ORDER_CODES.has(d.code));
      if (plugin.meta && plugin.loadErrors.length === 0) records.push({ ...plugin.candidate, meta: plugin.meta });
    }
    const { ordered, diagnostics } = resolveLoadOrder(records);
    // A plugin left out for its own errors still has its dependencies on absent plugins reported.
    const installed = new Set([...this.byEntry.values()].map(pluginName).filter((n): n is string => n !== undefined));
    for (const plugin of this.byEntry.values()) {
      if (plugin.meta && plugin.loadErrors.length === 0) continue;
      const meta = plugin.source.metaValue as { name?: unknown; dependencies?: unknown } | undefined;
      const name = pluginName(plugin);
      if (name !== undefined) diagnostics.push(...missingDependencies(name, plugin.candidate.entry, meta?.dependencies, installed));
    }
    this.orderedPlugins = ordered;
    this.orderDiagnostics = diagnostics;
    for (const diagnostic of diagnostics) {
      const plugin = diagnostic.file ? this.byEntry.get(diagnostic.file) : undefined;
      const named = diagnostic.plugin ? this.plugin(diagnostic.plugin) : undefined;
      // A duplicate name keeps every copy from loading; attach it to each.
      if (diagnostic.code === 'plugin/duplicate-name' && diagnostic.plugin) {
        for (const p of this.byEntry.values()) if (p.meta?.name === diagnostic.plugin) p.loadErrors.push(diagnostic);
      } else (plugin ?? named)?.loadErrors.push(diagnostic);
    }
    this.table = buildCommandTable(ordered);
    this.version++;
  }
}

function pluginName(plugin: IndexedPlugin): string | undefined {
  if (plugin.meta) return plugin.meta.name;
  const name = (plugin.source.metaValue as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : plugin.candidate.packageName;
}

/** `dir/name` with the separator `dir` already uses. */
function joinPath(dir: string, name: string): string {
  const separator = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(separator) ? `${dir}${name}` : `${dir}${separator}${name}`;
}

function isInside(dir: string, path: string): boolean {
  return relative(dir, path) !== undefined;
}

/** `path` relative to `root` with `/` separators, or undefined when outside it. */
function relative(root: string, path: string): string | undefined {
  const r = root.replace(/\\/g, '/').replace(/\/+$/, '');
  const p = path.replace(/\\/g, '/');
  if (p === r) return '';
  return p.startsWith(`${r}/`) ? p.slice(r.length + 1) : undefined;
}

/** One index per workspace folder; a file belongs to the innermost folder that contains it. */
export class WorkspaceIndexes {
  private readonly indexes = new Map<string, WorkspaceIndex>();

  constructor(private readonly options: WorkspaceIndexOptions) {}

  async addFolder(root: string): Promise<WorkspaceIndex> {
    const existing = this.indexes.get(root);
    if (existing) return existing;
    const index = new WorkspaceIndex(root, this.options);
    this.indexes.set(root, index);
    await index.refresh();
    return index;
  }

  removeFolder(root: string): void {
    this.indexes.delete(root);
  }

  get all(): WorkspaceIndex[] {
    return [...this.indexes.values()];
  }

  /** The index of the innermost folder containing `path`. */
  forFile(path: string): WorkspaceIndex | undefined {
    let best: WorkspaceIndex | undefined;
    for (const index of this.indexes.values()) {
      if (index.contains(path) && (!best || index.root.length > best.root.length)) best = index;
    }
    return best;
  }

  /** Routes a batch of changes on disk to the folders they can affect; returns the indexes that changed. */
  async filesChanged(paths: readonly string[]): Promise<WorkspaceIndex[]> {
    const changed: WorkspaceIndex[] = [];
    for (const index of this.indexes.values()) {
      const inside = paths.filter((path) => index.contains(path));
      if (inside.length > 0 && (await index.filesChanged(inside))) changed.push(index);
    }
    return changed;
  }

  /** Routes a file change to the folders it can affect; returns the indexes that changed. */
  async fileChanged(path: string, text?: string | null): Promise<WorkspaceIndex[]> {
    const changed: WorkspaceIndex[] = [];
    for (const index of this.indexes.values()) {
      if (index.contains(path) && (await index.fileChanged(path, text))) changed.push(index);
    }
    return changed;
  }
}

/** An empty index, for documents outside every workspace folder. */
export function emptyIndex(root = '/'): WorkspaceIndex {
  return new WorkspaceIndex(root, { fs: { readFile: async () => undefined }, discover: async () => ({ candidates: [], diagnostics: [] }) });
}

const DEPENDENCY_CODES = new Set(['plugin/missing-dependency', 'plugin/dependency-version']);

/**
 * A plugin's own diagnostics and why it would not load, each placed in its source: a dependency problem
 * on the dependency's key in `meta.dependencies`, anything else without a place on the class name.
 */
export function pluginFileDiagnostics(plugin: IndexedPlugin): AetherDiagnostic[] {
  const { source } = plugin;
  const anchor = source.classRange ?? { start: 0, end: 0 };
  const seen = new Set(source.diagnostics);
  const deps = source.meta?.kind === 'object' ? source.meta.properties.find((p) => p.key === 'dependencies')?.value : undefined;
  const place = (d: AetherDiagnostic): AetherDiagnostic => {
    if (d.range && d.file === source.file) return d;
    let span = anchor;
    if (DEPENDENCY_CODES.has(d.code) && deps?.kind === 'object') {
      const dep = deps.properties.find((p) => d.message.includes(`"${p.key}"`) && p.key !== pluginName(plugin));
      if (dep) span = dep.keyRange;
    }
    return { ...d, file: source.file, range: source.lineIndex.sourceRange(span.start, span.end) };
  };
  return [...source.diagnostics, ...plugin.loadErrors.filter((d) => !seen.has(d)).map(place)];
}
