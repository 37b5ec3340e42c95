// Zero-config plugin discovery (spec sections 1 and 2): finds plugin entry files on disk and reports
// what is wrong with them. It reads package.json files only; plugin code is never executed here.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AetherDiagnostic, Severity } from '../model/diagnostics';
import type { PluginCandidate, PluginSource } from '../model/catalog';
import { compareCodePoints } from '../model/codePoints';

/** Entry files tried, in this order, for a local plugin whose package.json names none. */
export const LOCAL_ENTRY_FILES = ['index.ts', 'index.js', 'index.mjs'] as const;

export interface DiscoveryResult {
  /** Sorted by entry path (code-point order), so every machine sees the same list. */
  candidates: PluginCandidate[];
  diagnostics: AetherDiagnostic[];
  /** Package (or folder) names of plugins discovered but left out by the synced `aether.plugins` list. */
  notSynced?: string[];
}

/**
 * Finds every plugin of a workspace: packages directly under `node_modules` (and `node_modules/@scope/*`)
 * whose package.json has `aetherscript.plugin`, and the local plugins under `plugins/<name>/`.
 */
export async function discoverPlugins(workspaceRoot: string): Promise<DiscoveryResult> {
  const root = path.resolve(workspaceRoot);
  const diagnostics: AetherDiagnostic[] = [];
  const report = (code: string, severity: Severity, file: string, message: string, plugin?: string): void => {
    diagnostics.push({ code, severity, file, message: `${relativeTo(root, file)}: ${message}`, ...(plugin ? { plugin } : {}) });
  };

  const [installed, local] = await Promise.all([
    listPackageDirs(path.join(root, 'node_modules'), report),
    listDirs(path.join(root, 'plugins'), report),
  ]);
  const found = await Promise.all([
    ...installed.map((dir) => readInstalledPlugin(dir, report)),
    ...local.map((dir) => readLocalPlugin(dir, report)),
  ]);

  const candidates = await dedupeByRealEntry(found.filter((c): c is PluginCandidate => c !== undefined));
  candidates.sort((a, b) => compareCodePoints(a.entry, b.entry));
  diagnostics.sort((a, b) => compareCodePoints(a.file ?? '', b.file ?? '') || compareCodePoints(a.code, b.code));
  return { candidates, diagnostics };
}

type Report = (code: string, severity: Severity, file: string, message: string, plugin?: string) => void;

/** The package.json fields discovery cares about; everything else is ignored. */
interface PackageJson {
  name?: unknown;
  version?: unknown;
  engines?: { aetherscript?: unknown };
  aetherscript?: { plugin?: unknown };
}

async function readInstalledPlugin(dir: string, report: Report): Promise<PluginCandidate | undefined> {
  // An unrelated package with a broken package.json is not our problem to fail on, so only warn.
  const pkg = await readPackageJson(dir, 'warning', report);
  if (!pkg || pkg.aetherscript === undefined) return undefined;
  const pkgFile = path.join(dir, 'package.json');
  const declared = pkg.aetherscript?.plugin;
  if (declared === undefined) {
    report(
      'plugin/no-entry',
      'warning',
      pkgFile,
      'has an "aetherscript" field but no "aetherscript.plugin"; add "aetherscript": { "plugin": "./dist/index.js" } pointing to the plugin module. It is not loaded.',
      packageName(pkg),
    );
    return undefined;
  }
  const entry = await resolveDeclaredEntry(dir, declared, pkg, report);
  return entry ? candidateOf(dir, entry, 'node_modules', pkg) : undefined;
}

async function readLocalPlugin(dir: string, report: Report): Promise<PluginCandidate | undefined> {
  const pkg = await readPackageJson(dir, 'error', report);
  if (pkg === null) return undefined; // present but broken: already reported
  const declared = pkg?.aetherscript?.plugin;
  if (pkg && declared !== undefined) {
    const entry = await resolveDeclaredEntry(dir, declared, pkg, report);
    return entry ? candidateOf(dir, entry, 'local', pkg) : undefined;
  }
  for (const name of LOCAL_ENTRY_FILES) {
    const entry = path.join(dir, name);
    if (await isFile(entry)) return candidateOf(dir, entry, 'local', pkg);
  }
  report(
    'plugin/no-entry',
    'warning',
    dir,
    `local plugin folder has no entry: add ${LOCAL_ENTRY_FILES.join(', ')} or a package.json with "aetherscript": { "plugin": "<file>" }. It is not loaded.`,
  );
  return undefined;
}

/** Resolves `aetherscript.plugin` against the package folder, or reports why it cannot be used. */
async function resolveDeclaredEntry(dir: string, declared: unknown, pkg: PackageJson, report: Report): Promise<string | undefined> {
  const pkgFile = path.join(dir, 'package.json');
  const plugin = packageName(pkg);
  if (typeof declared !== 'string' || declared.trim() === '') {
    report(
      'plugin/bad-package-json',
      'error',
      pkgFile,
      '"aetherscript.plugin" must be the path of the plugin module, e.g. "./dist/index.js". It is not loaded.',
      plugin,
    );
    return undefined;
  }
  const entry = path.resolve(dir, declared);
  // The entry must be part of the package: attestation digests cover the package's files only, so an
  // entry outside it would run code nobody signed.
  const inside = path.relative(dir, entry);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
    report(
      'plugin/bad-package-json',
      'error',
      pkgFile,
      `"aetherscript.plugin" ("${declared}") points outside the package; use a path inside it, e.g. "./dist/index.js". It is not loaded.`,
      plugin,
    );
    return undefined;
  }
  const stat = await statOrUndefined(entry);
  if (!stat?.isFile()) {
    const what = stat?.isDirectory() ? 'is a folder, not a module file' : 'does not exist';
    const hint = stat?.isDirectory()
      ? 'point "aetherscript.plugin" at the module file itself (e.g. "./dist/index.js")'
      : 'build the plugin or fix the path in "aetherscript.plugin"';
    report(
      'plugin/missing-entry',
      'error',
      pkgFile,
      `the plugin entry "${declared}" (aetherscript.plugin) ${what}; ${hint}. It is not loaded.`,
      plugin,
    );
    return undefined;
  }
  return entry;
}

function candidateOf(dir: string, entry: string, source: PluginSource, pkg: PackageJson | undefined): PluginCandidate {
  const candidate: PluginCandidate = { entry, dir, source };
  const name = pkg && packageName(pkg);
  if (name) candidate.packageName = name;
  if (typeof pkg?.version === 'string') candidate.packageVersion = pkg.version;
  if (typeof pkg?.engines?.aetherscript === 'string') candidate.packageEngine = pkg.engines.aetherscript;
  return candidate;
}

function packageName(pkg: PackageJson): string | undefined {
  return typeof pkg.name === 'string' ? pkg.name : undefined;
}

/**
 * Reads `<dir>/package.json`. Returns undefined when there is none, null when it is present but unusable
 * (reported with `severity`).
 */
async function readPackageJson(dir: string, severity: Severity, report: Report): Promise<PackageJson | undefined | null> {
  const file = path.join(dir, 'package.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    report('plugin/unreadable', 'warning', file, `cannot be read (${errorCode(error)}); check its permissions.`);
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as PackageJson;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    report('plugin/bad-package-json', severity, file, `is not valid JSON (${reason}); fix the file or reinstall the package.`);
    return null;
  }
}

/** Package folders directly under node_modules, including `@scope/*`; symlinks (npm workspaces) followed. */
async function listPackageDirs(nodeModules: string, report: Report): Promise<string[]> {
  const top = await listDirs(nodeModules, report);
  const scoped = await Promise.all(top.filter((dir) => path.basename(dir).startsWith('@')).map((scopeDir) => listDirs(scopeDir, report)));
  return [...top.filter((dir) => !path.basename(dir).startsWith('@')), ...scoped.flat()];
}

/** Sub-folders of `dir` (following symlinks), skipping dot-entries such as `.bin` and `.pnpm`. */
async function listDirs(dir: string, report: Report): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (!isMissing(error)) report('plugin/unreadable', 'warning', dir, `cannot be listed (${errorCode(error)}); check its permissions.`);
    return [];
  }
  const dirs = await Promise.all(
    entries
      .filter((entry) => !entry.name.startsWith('.'))
      .map(async (entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return full;
        // A dangling link (a removed workspace package) is simply not a plugin.
        if (entry.isSymbolicLink() && (await statOrUndefined(full))?.isDirectory()) return full;
        return undefined;
      }),
  );
  return dirs.filter((d): d is string => d !== undefined);
}

/**
 * npm workspaces link local packages into node_modules, so a local plugin listed as a workspace is
 * found twice. Keep one candidate per real entry file, preferring the local one, instead of reporting
 * a duplicate name later.
 */
async function dedupeByRealEntry(candidates: PluginCandidate[]): Promise<PluginCandidate[]> {
  const byReal = new Map<string, PluginCandidate>();
  const preferred = [...candidates].sort(
    (a, b) => Number(b.source === 'local') - Number(a.source === 'local') || compareCodePoints(a.entry, b.entry),
  );
  for (const candidate of preferred) {
    const real = await fs.realpath(candidate.entry).catch(() => candidate.entry);
    if (!byReal.has(real)) byReal.set(real, candidate);
  }
  return [...byReal.values()];
}

/**
 * The plugin's entry relative to its workspace root, with `/` separators, for messages
 * (`plugins/deploy/index.ts`, `node_modules/@acme/x/dist/index.js`). The root is inferred from where
 * discovery found the plugin; other paths are returned as they are.
 */
export function displayPath(candidate: Pick<PluginCandidate, 'entry' | 'dir' | 'source'>, file: string = candidate.entry): string {
  const root = workspaceRootOf(candidate);
  return root === undefined ? toSlashes(file) : relativeTo(root, file);
}

function workspaceRootOf(candidate: Pick<PluginCandidate, 'dir' | 'source'>): string | undefined {
  if (candidate.source === 'local') return path.dirname(path.dirname(candidate.dir));
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = candidate.dir.lastIndexOf(marker);
  return at >= 0 ? candidate.dir.slice(0, at) : undefined;
}

function relativeTo(root: string, file: string): string {
  const rel = path.relative(root, file);
  return toSlashes(rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel);
}

function toSlashes(p: string): string {
  return p.split(path.sep).join('/');
}

export { compareCodePoints };

async function isFile(file: string): Promise<boolean> {
  return (await statOrUndefined(file))?.isFile() ?? false;
}

async function statOrUndefined(file: string) {
  try {
    return await fs.stat(file);
  } catch {
    return undefined;
  }
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}
