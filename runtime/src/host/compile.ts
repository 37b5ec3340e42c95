// Turns a plugin's entry module (.ts, .js or .mjs) and the modules it imports into ES modules the
// plugin host can import, without a build step for the author. TypeScript (pure JavaScript, no native
// binary, so one portable compiler for the CLI and the editor alike) transforms one file at a time:
// every module of the plugin's own graph (reached through relative imports) is compiled into the
// cache; packages it imports are loaded by Node from where they are installed; `aetherscript-core`
// is the runtime that loads the plugin (spec section 1); `import.meta.url` keeps naming the originals.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TS from 'typescript';
import type { AetherDiagnostic } from '../model/diagnostics';
import { isPathSpecifier, resolvePackage, resolvePath, SOURCE_EXTENSIONS } from './moduleResolution';
import { transformModule, type ImportRequest } from './transformModule';

export interface CompiledPlugin {
  /** The compiled entry module to import in the plugin worker. */
  bundleFile: string;
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
const CACHE_FORMAT = 'aether-ts-1';
const CORE_PACKAGE = 'aetherscript-core';

/** What a warm run checks before it reuses a compiled graph: every input, by content hash. */
interface Manifest {
  format: string;
  entry: string;
  apiModule: string;
  /** Sources compiled and `package.json` files of the packages they import, each with its hash. */
  inputs: Array<[file: string, sha256: string]>;
  /** The compiled entry, relative to the cache folder. */
  bundleFile: string;
}

/**
 * Compiles `entry` and its own modules into a folder of `cacheDir` named after a hash of every input,
 * written whole and then renamed into place, so concurrent runs (the CLI and the editor on one
 * workspace) never import a half-written file. A warm run hashes the inputs the last compile recorded
 * and, when none changed, reuses its output without loading TypeScript at all.
 */
export async function compilePlugin(entry: string, cacheDir: string, apiModule: string): Promise<CompiledPlugin> {
  const base = path.basename(path.dirname(entry)).replace(/[^A-Za-z0-9_.-]/g, '_');
  const manifestFile = path.join(cacheDir, `${base}-${digest(`${entry}\0${apiModule}`).slice(0, 16)}.manifest.json`);
  const cached = cachedBundle(manifestFile, entry, apiModule, cacheDir);
  if (cached) return { bundleFile: cached };

  const graph = compileGraph(loadTypeScript(entry), entry, apiModule);
  const inputs = [...graph.inputs];
  const graphDir = path.join(cacheDir, `${base}-${digest(JSON.stringify([CACHE_FORMAT, entry, apiModule, inputs])).slice(0, 16)}`);
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(graphDir)) writeGraph(graphDir, graph.files, cacheDir);
  const bundleFile = path.join(graphDir, graph.entryOutput);
  const manifest: Manifest = { format: CACHE_FORMAT, entry, apiModule, inputs, bundleFile: path.relative(cacheDir, bundleFile) };
  writeAtomically(manifestFile, JSON.stringify(manifest));
  return { bundleFile };
}

function digest(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function cachedBundle(manifestFile: string, entry: string, apiModule: string, cacheDir: string): string | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.format !== CACHE_FORMAT || manifest.entry !== entry || manifest.apiModule !== apiModule || !Array.isArray(manifest.inputs)) {
    return undefined;
  }
  for (const [file, hash] of manifest.inputs) {
    try {
      if (digest(readFileSync(file)) !== hash) return undefined;
    } catch {
      return undefined;
    }
  }
  const bundleFile = path.join(cacheDir, manifest.bundleFile);
  return existsSync(bundleFile) ? bundleFile : undefined;
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
  /** Output path (posix, relative to the graph's folder) → compiled code. */
  files: Map<string, string>;
  entryOutput: string;
  inputs: Map<string, string>;
}

function compileGraph(ts: typeof TS, entry: string, apiModule: string): CompiledGraph {
  const entryDir = path.dirname(entry);
  const files = new Map<string, string>();
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
  /** A JSON module without `with { type: 'json' }` (fine for esbuild and TypeScript, refused by Node). */
  const jsonModule = (file: string): string => {
    let output = outputs.get(`json:${file}`);
    if (!output) {
      output = outputName(file, true);
      outputs.set(`json:${file}`, output);
      files.set(
        output,
        `import { readFileSync } from 'node:fs';\nexport default JSON.parse(readFileSync(new URL(${JSON.stringify(pathToFileURL(file).href)}), 'utf8'));\n`,
      );
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
      text = readFileSync(file, 'utf8');
    } catch (error) {
      diagnostics.push(
        compileDiagnostic(entryDir, file, undefined, undefined, 0, `cannot be read (${(error as NodeJS.ErrnoException).code})`),
      );
      continue;
    }
    inputs.set(file, digest(text));
    const failures: Array<{ start: number | undefined; length: number; message: string }> = [];
    const fail = (request: ImportRequest, message: string): undefined => {
      failures.push({ start: request.start, length: request.specifier.length + 2, message });
      return undefined;
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
        if (SOURCE_EXTENSIONS.includes(path.extname(target)) && !isCommonJs(ts, target)) return relativeSpecifier(output, compiled(target));
      } else {
        const resolved = resolvePackage(specifier, file);
        if (!resolved) {
          if (request.dynamic) return undefined;
          const name = /^(@[^/]+\/)?[^/]+/.exec(specifier)?.[0] ?? specifier;
          return fail(request, `cannot find package '${name}': install it where the plugin can see it (npm install ${name})`);
        }
        if (resolved.builtin) return undefined;
        if (resolved.packageJson && !inputs.has(resolved.packageJson)) {
          try {
            inputs.set(resolved.packageJson, digest(readFileSync(resolved.packageJson)));
          } catch {
            // A package without package.json: nothing to watch for upgrades.
          }
        }
        target = resolved.file;
        // Node cannot load TypeScript (a workspace package linked from source, say): compile it too.
        if (['.ts', '.mts', '.tsx'].includes(path.extname(target))) return relativeSpecifier(output, compiled(target));
      }
      if (path.extname(target) === '.json' && !request.hasAttributes) return relativeSpecifier(output, jsonModule(target));
      return pathToFileURL(target).href;
    };

    const result = transformModule(ts, file, text, path.posix.basename(output), rewrite);
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
  return { files, entryOutput, inputs };
}

/**
 * A `.js` file that is CommonJS (no `import`/`export`, outside a `"type": "module"` package) is left
 * to Node: compiling it into an ES module would take its `require` and `module.exports` away.
 */
function isCommonJs(ts: typeof TS, file: string): boolean {
  if (path.extname(file) !== '.js') return false;
  if (nearestPackageType(path.dirname(file)) === 'module') return false;
  try {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
    return !ts.isExternalModule(source);
  } catch {
    return false;
  }
}

function nearestPackageType(dir: string): string | undefined {
  for (; ; dir = path.dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: string }).type ?? 'commonjs';
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

/** Writes the graph into a fresh folder and renames it into place; a concurrent writer may win. */
function writeGraph(graphDir: string, files: Map<string, string>, cacheDir: string): void {
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
    // Another run wrote the same graph first: same inputs, same output.
    if (!existsSync(graphDir)) throw error;
  }
}

let tempCounter = 0;

function writeAtomically(file: string, contents: string): void {
  const temp = `${file}.${process.pid}.${tempCounter++}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, file);
}
