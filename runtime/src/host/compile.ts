// Turns a plugin's entry module (.ts, .js or .mjs) and the modules it imports into ES modules the
// plugin host can import, without a build step for the author. TypeScript (pure JavaScript, no native
// binary, so one portable compiler for the CLI and the editor alike) transforms one file at a time:
// every module of the plugin's own graph (reached through relative imports) is compiled into the
// cache; packages it imports are loaded by Node from where they are installed; `aetherscript-core`
// is the runtime that loads the plugin (spec section 1); `import.meta.url` keeps naming the originals.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TS from 'typescript';
import type { AetherDiagnostic } from '../model/diagnostics';
import type { PluginTree } from '../trust/digest';
import { isPathSpecifier, resolvePackage, resolvePath, SOURCE_EXTENSIONS } from './moduleResolution';
import { transformModule, type ImportRequest } from './transformModule';
import { sealOf, sealKey } from './cacheSeal';

/** Where a plugin's sources come from, and how far its module graph may reach. */
export interface CompileSource {
  /** The plugin folder. */
  root: string;
  /**
   * The folder's files as read (and verified) once. When given, every module inside the folder is
   * compiled from these bytes, never read from disk again, and files Node loads natively (CommonJS,
   * JSON, a bundled `node_modules`, `ctx.spawnWorker` modules) are loaded from a copy of them in the
   * sealed cache entry. Without it, sources are read from disk.
   */
  tree?: PluginTree;
  /** Refuse relative imports that leave the folder (signed plugins, and `plugins sign`). */
  confined: boolean;
}

export interface CompiledPlugin {
  /** The compiled entry module to import in the plugin worker. */
  bundleFile: string;
  /** This graph's folder in the cache: the only part of the cache the plugin's host may read. */
  graphDir: string;
  /** The copy of the verified tree in the graph's folder (with `tree` only): modules load from here. */
  filesDir?: string;
  /** Folders of the packages outside the plugin folder that its modules import. */
  packageDirs: string[];
  /** Modules outside the plugin folder its graph imports (never when confined). */
  outside: string[];
}

export class PluginCompileError extends Error {
  constructor(
    message: string,
    readonly diagnostics: AetherDiagnostic[],
  ) {
    super(message);
    this.name = 'PluginCompileError';
  }
}

/** Changes whenever the compiled form does, so a cache written by another runtime is not reused. */
const CACHE_FORMAT = 'aether-ts-2';
/** The copy of the plugin's verified files inside a graph's folder. */
const FILES_FOLDER = 'files';
const CORE_PACKAGE = 'aetherscript-core';

/**
 * What a warm run checks before it reuses a compiled graph: every input by content hash, every
 * output by content hash, and the seal over both (an HMAC with a key kept outside the workspace,
 * see cacheSeal.ts), so an entry edited after the fact is never run.
 */
interface Manifest {
  format: string;
  entry: string;
  apiModule: string;
  /** Sources compiled and `package.json` files of the packages they import, each with its hash. */
  inputs: Array<[file: string, sha256: string]>;
  /** Every file of the graph's folder (relative POSIX path) with its hash. */
  outputs: Array<[file: string, sha256: string]>;
  /** The graph's folder and compiled entry, relative to the cache folder. */
  graphDir: string;
  bundleFile: string;
  filesDir?: string;
  packageDirs: string[];
  outside: string[];
  seal: string;
}

/**
 * Compiles `entry` and its own modules into a folder of `cacheDir` named after a hash of every input,
 * written whole and then renamed into place, so concurrent runs (the CLI and the editor on one
 * workspace) never import a half-written file. A warm run checks the inputs the last compile recorded
 * and the sealed outputs and, when nothing changed, reuses them without loading TypeScript at all.
 */
export async function compilePlugin(entry: string, cacheDir: string, apiModule: string, source?: CompileSource): Promise<CompiledPlugin> {
  const from: CompileSource = source ?? { root: path.dirname(entry), confined: false };
  const reader = sourceReader(from);
  const base = path.basename(path.dirname(entry)).replace(/[^A-Za-z0-9_.-]/g, '_');
  const mode = from.tree ? 'tree' : 'disk';
  const manifestFile = path.join(
    cacheDir,
    `${base}-${digest(`${entry}\0${apiModule}\0${mode}\0${from.confined}`).slice(0, 16)}.manifest.json`,
  );
  const key = sealKey();
  const cached = key ? cachedGraph(manifestFile, entry, apiModule, cacheDir, reader, key) : undefined;
  if (cached) return cached;

  // A fresh folder for every compile: a folder left by an earlier one is trusted only through its
  // sealed manifest, and one a concurrent run is importing from is never rewritten under it. Named
  // before compiling, since the compiled modules refer to the sealed copy of the files inside it.
  const graphName = `${base}-${randomBytes(8).toString('hex')}`;
  const graphDir = path.join(cacheDir, graphName);
  const graph = compileGraph(loadTypeScript(entry), entry, apiModule, from, reader, path.join(graphDir, FILES_FOLDER));
  const inputs = [...graph.inputs].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  if (from.tree) for (const [rel, bytes] of from.tree.contents) graph.files.set(`${FILES_FOLDER}/${rel}`, bytes);
  mkdirSync(cacheDir, { recursive: true });
  writeGraph(graphDir, graph.files, cacheDir);
  const compiled: CompiledPlugin = {
    bundleFile: path.join(graphDir, graph.entryOutput),
    graphDir,
    ...(from.tree ? { filesDir: path.join(graphDir, FILES_FOLDER) } : {}),
    packageDirs: graph.packageDirs,
    outside: graph.outside,
  };
  if (key) {
    const unsealed: Omit<Manifest, 'seal'> = {
      format: CACHE_FORMAT,
      entry,
      apiModule,
      inputs,
      outputs: [...graph.files].map(([name, code]) => [name, digest(code)]),
      graphDir: graphName,
      bundleFile: path.relative(cacheDir, compiled.bundleFile),
      ...(compiled.filesDir ? { filesDir: path.relative(cacheDir, compiled.filesDir) } : {}),
      packageDirs: compiled.packageDirs,
      outside: compiled.outside,
    };
    writeAtomically(manifestFile, JSON.stringify({ ...unsealed, seal: sealOf(key, JSON.stringify(unsealed)) }));
  }
  return compiled;
}

/**
 * Walks and transforms the plugin's module graph as `compilePlugin` would, writing nothing: for
 * `aether plugins sign`, which must refuse a graph that leaves the folder without running any of it.
 * Throws PluginCompileError naming every module that is refused or does not compile.
 */
export function checkPluginGraph(entry: string, source: CompileSource): { packageDirs: string[] } {
  const graph = compileGraph(
    loadTypeScript(entry),
    entry,
    path.join(path.sep, 'aetherscript-core.mjs'),
    source,
    sourceReader(source),
    path.join(path.sep, 'unwritten', FILES_FOLDER),
  );
  return { packageDirs: graph.packageDirs };
}

function digest(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads plugin sources: from the verified tree inside the folder, from disk elsewhere. */
interface SourceReader {
  /** The file's bytes, or an error message saying why it may not be read. */
  read(file: string): Buffer | { refused: string };
  /** Its content hash, without reading a tree file again. */
  hash(file: string): string | undefined;
  /** Inside the plugin folder? */
  inside(file: string): boolean;
  /** Where Node should load a file of the folder from (the sealed copy when there is a tree). */
  loadPath(file: string, graphFilesDir: string): string;
}

function sourceReader(source: CompileSource): SourceReader {
  const root = source.tree?.root ?? safeRealpath(source.root);
  const relativeOf = (file: string): string | undefined => {
    const rel = path.relative(root, safeRealpath(file));
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel.split(path.sep).join('/');
  };
  const digests = new Map(source.tree?.files.map((f) => [f.path, f.sha256]));
  return {
    inside: (file) => relativeOf(file) !== undefined,
    read(file) {
      const rel = relativeOf(file);
      if (rel !== undefined && source.tree) {
        return source.tree.contents.get(rel) ?? { refused: `${rel} is not among the plugin's verified files` };
      }
      return readFileSync(file);
    },
    hash(file) {
      const rel = relativeOf(file);
      if (rel !== undefined && source.tree) return digests.get(rel);
      try {
        return digest(readFileSync(file));
      } catch {
        return undefined;
      }
    },
    loadPath(file, graphFilesDir) {
      const rel = relativeOf(file);
      return rel !== undefined && source.tree ? path.join(graphFilesDir, ...rel.split('/')) : file;
    },
  };
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

function cachedGraph(
  manifestFile: string,
  entry: string,
  apiModule: string,
  cacheDir: string,
  reader: SourceReader,
  key: Buffer,
): CompiledPlugin | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.format !== CACHE_FORMAT || manifest.entry !== entry || manifest.apiModule !== apiModule) return undefined;
  const { seal, ...unsealed } = manifest;
  if (typeof seal !== 'string' || sealOf(key, JSON.stringify(unsealed)) !== seal) return undefined;
  for (const [file, hash] of manifest.inputs) if (reader.hash(file) !== hash) return undefined;
  const graphDir = path.join(cacheDir, manifest.graphDir);
  for (const [name, hash] of manifest.outputs) {
    try {
      if (digest(readFileSync(path.join(graphDir, ...name.split('/')))) !== hash) return undefined;
    } catch {
      return undefined;
    }
  }
  return {
    bundleFile: path.join(cacheDir, manifest.bundleFile),
    graphDir,
    ...(manifest.filesDir ? { filesDir: path.join(cacheDir, manifest.filesDir) } : {}),
    packageDirs: manifest.packageDirs,
    outside: manifest.outside,
  };
}

/** Loaded on the first cold compile only: a warm start never parses the compiler. */
function loadTypeScript(entry: string): typeof TS {
  try {
    return require('typescript') as typeof TS;
  } catch (error) {
    throw new PluginCompileError(
      `cannot compile plugin ${entry}: the TypeScript compiler (package \`typescript\`, a dependency of aetherscript-core) cannot be loaded: ${(error as Error).message}`,
      [],
    );
  }
}

interface CompiledGraph {
  /** Output path (posix, relative to the graph's folder) → compiled code (or a copied file). */
  files: Map<string, string | Buffer>;
  entryOutput: string;
  inputs: Map<string, string>;
  packageDirs: string[];
  outside: string[];
}

function compileGraph(
  ts: typeof TS,
  entry: string,
  apiModule: string,
  source: CompileSource,
  reader: SourceReader,
  /** Where the sealed copy of the tree will be (`<graph>/files`). */
  filesDir: string,
): CompiledGraph {
  const entryDir = path.dirname(entry);
  const files = new Map<string, string | Buffer>();
  const packageDirs = new Set<string>();
  const outside = new Set<string>();
  const inputs = new Map<string, string>();
  const diagnostics: AetherDiagnostic[] = [];
  /** Source (or `json:` + file for a JSON module) → its output path. */
  const outputs = new Map<string, string>();
  const taken = new Set<string>();
  const queue: string[] = [];

  const outputName = (file: string, keepExtension: boolean): string => {
    // The cache mirrors the plugin's layout (`..` becomes `__`), so stack traces and file names stay readable.
    const relative = path.relative(entryDir, file);
    const segments = (path.isAbsolute(relative) ? relative.replace(/^[A-Za-z]:/, '') : relative)
      .split(/[\\/]+/)
      .filter(Boolean)
      .map((segment) => (segment === '..' ? '__' : segment.replace(/[^A-Za-z0-9._-]/g, '_')));
    const ext = path.extname(file);
    const stem = segments.join('/');
    const name = keepExtension || !ext ? stem : stem.slice(0, -ext.length);
    for (let n = 0; ; n++) {
      const candidate = `${name}${n === 0 ? '' : `.${n}`}.mjs`;
      if (!taken.has(candidate)) {
        taken.add(candidate);
        return candidate;
      }
    }
  };
  const compiled = (file: string): string => {
    let output = outputs.get(file);
    if (!output) {
      output = outputName(file, false);
      outputs.set(file, output);
      queue.push(file);
    }
    return output;
  };
  /**
   * A JSON module without `with { type: 'json' }` (fine for esbuild and TypeScript, refused by Node):
   * its text is embedded, so what runs is what was read (and, for a signed plugin, verified).
   */
  const jsonModule = (file: string): string | { refused: string } => {
    let output = outputs.get(`json:${file}`);
    if (!output) {
      const bytes = reader.read(file);
      if (!Buffer.isBuffer(bytes)) return bytes;
      inputs.set(file, digest(bytes));
      output = outputName(file, true);
      outputs.set(`json:${file}`, output);
      files.set(output, `export default JSON.parse(${JSON.stringify(bytes.toString('utf8'))});\n`);
    }
    return output;
  };
  const relativeSpecifier = (from: string, to: string): string => {
    const relative = path.posix.relative(path.posix.dirname(from), to);
    return relative.startsWith('../') ? relative : `./${relative}`;
  };

  const entryOutput = compiled(entry);
  for (let index = 0; index < queue.length; index++) {
    const file = queue[index]!;
    const output = outputs.get(file)!;
    let text: string;
    try {
      const bytes = reader.read(file);
      if (!Buffer.isBuffer(bytes)) {
        diagnostics.push(compileDiagnostic(entryDir, file, undefined, undefined, 0, bytes.refused));
        continue;
      }
      text = bytes.toString('utf8');
      inputs.set(file, digest(bytes));
    } catch (error) {
      diagnostics.push(
        compileDiagnostic(entryDir, file, undefined, undefined, 0, `cannot be read (${(error as NodeJS.ErrnoException).code})`),
      );
      continue;
    }
    const failures: Array<{ start: number | undefined; length: number; message: string }> = [];
    const fail = (request: ImportRequest, message: string): undefined => {
      failures.push({ start: request.start, length: request.specifier.length + 2, message });
      return undefined;
    };

    /** A file Node loads as it is: from the sealed copy when it is one of the plugin's own. */
    const native = (target: string): string => pathToFileURL(reader.loadPath(target, filesDir)).href;
    /** Confinement: a signed plugin's graph stays inside its folder, where the attestation reaches. */
    const leaves = (request: ImportRequest, target: string): boolean => {
      if (reader.inside(target)) return false;
      if (source.confined) {
        fail(
          request,
          `'${request.specifier}' resolves to ${target}, outside the plugin folder ${source.root}: its attestation cannot cover it. Move the module into the plugin folder, or publish it as a package the plugin depends on.`,
        );
        return true;
      }
      outside.add(target);
      return false;
    };

    const rewrite = (request: ImportRequest): string | undefined => {
      const { specifier } = request;
      if (specifier === CORE_PACKAGE) return pathToFileURL(apiModule).href;
      if (specifier.startsWith(`${CORE_PACKAGE}/`)) {
        return fail(request, `'${specifier}': ${CORE_PACKAGE} has no subpath modules at run time; import from '${CORE_PACKAGE}'`);
      }
      let target: string | undefined;
      if (isPathSpecifier(specifier)) {
        target = resolvePath(specifier, file);
        if (!target) {
          // A dynamic import may be guarded by the plugin; let it fail at run time, at the right path.
          if (request.dynamic)
            return specifier.startsWith('file:') ? undefined : pathToFileURL(path.resolve(path.dirname(file), specifier)).href;
          return fail(
            request,
            `cannot find '${specifier}' (looked for it as written, with .ts/.js/.mjs/.json and as a folder with an index)`,
          );
        }
        if (leaves(request, target)) return undefined;
        if (SOURCE_EXTENSIONS.includes(path.extname(target)) && !isCommonJs(ts, target, reader)) {
          return relativeSpecifier(output, compiled(target));
        }
      } else {
        const resolved = resolvePackage(specifier, file);
        if (!resolved) {
          if (request.dynamic) return undefined;
          const name = /^(@[^/]+\/)?[^/]+/.exec(specifier)?.[0] ?? specifier;
          return fail(request, `cannot find package '${name}': install it where the plugin can see it (npm install ${name})`);
        }
        if (resolved.builtin) return undefined;
        target = resolved.file;
        if (!reader.inside(target)) {
          // An installed dependency: loaded by Node where it is (covered by npm's integrity, see
          // ATTESTATION.md), its package.json watched so an upgrade recompiles.
          if (resolved.packageJson) {
            packageDirs.add(path.dirname(resolved.packageJson));
            if (!inputs.has(resolved.packageJson)) {
              const hash = reader.hash(resolved.packageJson);
              if (hash) inputs.set(resolved.packageJson, hash);
            }
          } else if (leaves(request, target)) return undefined;
        }
        // Node cannot load TypeScript (a workspace package linked from source, say): compile it too.
        if (['.ts', '.mts', '.tsx'].includes(path.extname(target))) return relativeSpecifier(output, compiled(target));
      }
      if (path.extname(target) === '.json' && !request.hasAttributes) {
        const json = jsonModule(target);
        return typeof json === 'string' ? relativeSpecifier(output, json) : fail(request, json.refused);
      }
      return native(target);
    };

    // `import.meta.url` names the sealed copy when there is one: a module imported or a file read
    // relative to it at run time is then one of the verified bytes, not whatever is on disk by then.
    const result = transformModule(ts, file, text, path.posix.basename(output), rewrite, reader.loadPath(file, filesDir));
    for (const d of result.diagnostics) {
      diagnostics.push(
        compileDiagnostic(entryDir, file, text, d.start, d.length ?? 0, ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      );
    }
    for (const failure of failures)
      diagnostics.push(compileDiagnostic(entryDir, file, text, failure.start, failure.length, failure.message));
    files.set(output, result.code);
  }
  if (diagnostics.length > 0) {
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '';
    throw new PluginCompileError(`cannot compile plugin ${entry}: ${diagnostics[0]!.message}${more}`, diagnostics);
  }
  return { files, entryOutput, inputs, packageDirs: [...packageDirs].sort(), outside: [...outside].sort() };
}

/**
 * A `.js` file that is CommonJS (no `import`/`export`, outside a `"type": "module"` package) is left
 * to Node: compiling it into an ES module would take its `require` and `module.exports` away.
 */
function isCommonJs(ts: typeof TS, file: string, reader: SourceReader): boolean {
  if (path.extname(file) !== '.js') return false;
  if (nearestPackageType(path.dirname(file), reader) === 'module') return false;
  try {
    const bytes = reader.read(file);
    if (!Buffer.isBuffer(bytes)) return false;
    const source = ts.createSourceFile(file, bytes.toString('utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
    return !ts.isExternalModule(source);
  } catch {
    return false;
  }
}

function nearestPackageType(dir: string, reader: SourceReader): string | undefined {
  for (; ; dir = path.dirname(dir)) {
    try {
      const bytes = reader.read(path.join(dir, 'package.json'));
      if (Buffer.isBuffer(bytes)) return (JSON.parse(bytes.toString('utf8')) as { type?: string }).type ?? 'commonjs';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function compileDiagnostic(
  entryDir: string,
  file: string,
  text: string | undefined,
  start: number | undefined,
  length: number,
  message: string,
): AetherDiagnostic {
  const shown = path.relative(entryDir, file) || path.basename(file);
  if (text === undefined || start === undefined) {
    return { code: 'plugin/compile-error', severity: 'error', message: `${shown}: ${message}`, file };
  }
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < start; at = text.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  const column = start - lineStart + 1;
  return {
    code: 'plugin/compile-error',
    severity: 'error',
    message: `${shown}:${line}:${column}: ${message}`,
    file,
    range: { start, end: start + length, line, column },
  };
}

/** Writes the graph into a fresh folder and renames it into place. */
function writeGraph(graphDir: string, files: Map<string, string | Buffer>, cacheDir: string): void {
  const temp = mkdtempSync(path.join(cacheDir, '.compiling-'));
  try {
    for (const [name, code] of files) {
      const file = path.join(temp, ...name.split('/'));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, code);
    }
    renameSync(temp, graphDir);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

let tempCounter = 0;

function writeAtomically(file: string, contents: string): void {
  const temp = `${file}.${process.pid}.${tempCounter++}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, file);
}
