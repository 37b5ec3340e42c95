// Turns a plugin's entry module (.ts, .js or .mjs) into one self-contained ES module the plugin host
// can import, without a build step for the author. The same approach Vite takes for config files:
// bundle with esbuild, keep `import.meta.url` pointing at the original files, and resolve
// `aetherscript-core` to the runtime that loads the plugin (spec section 1).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Message, Plugin as EsbuildPlugin } from 'esbuild';
import type { AetherDiagnostic } from '../model/diagnostics';

export interface CompiledPlugin {
  /** The bundled module to import in the plugin worker. */
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

const IMPORT_META_VARS = {
  'import.meta.url': '__aether_import_meta_url',
  'import.meta.filename': '__aether_import_meta_filename',
  'import.meta.dirname': '__aether_import_meta_dirname',
};

/**
 * Gives every bundled source file its own `import.meta.url/filename/dirname`, so a plugin that reads
 * files next to its sources keeps working after bundling.
 */
function importMetaPlugin(): EsbuildPlugin {
  return {
    name: 'aether-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        const prologue =
          `const __aether_import_meta_url = ${JSON.stringify(pathToFileURL(args.path).href)};` +
          `const __aether_import_meta_filename = ${JSON.stringify(args.path)};` +
          `const __aether_import_meta_dirname = ${JSON.stringify(path.dirname(args.path))};`;
        const ext = path.extname(args.path).slice(1);
        const loader = ext.startsWith('t') || ext.endsWith('ts') ? 'ts' : 'js';
        return { contents: prologue + source, loader: ext === 'tsx' ? 'tsx' : ext === 'jsx' ? 'jsx' : loader };
      });
    },
  };
}

function toDiagnostic(message: Message, entry: string): AetherDiagnostic {
  const location = message.location;
  return {
    code: 'plugin/compile-error',
    severity: 'error',
    message: `${location ? `${location.file}:${location.line}:${location.column + 1}` : entry}: ${message.text}`,
    file: location?.file ? path.resolve(location.file) : entry,
    range: location ? { start: 0, end: 0, line: location.line, column: location.column + 1 } : undefined,
  };
}

/**
 * Bundles `entry` into `cacheDir`. The output name carries a hash of its contents, so concurrent runs
 * (the CLI and the editor on one workspace) never import a half-written file.
 */
export async function compilePlugin(entry: string, cacheDir: string, apiModule: string): Promise<CompiledPlugin> {
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'silent',
      absWorkingDir: path.dirname(entry),
      alias: { 'aetherscript-core': apiModule },
      define: IMPORT_META_VARS,
      // Bundled CommonJS dependencies may `require` Node built-ins; give them a real `require`.
      banner: {
        js: "import { createRequire as __aetherCreateRequire } from 'node:module'; const require = __aetherCreateRequire(__aether_entry_url);",
      },
      plugins: [importMetaPlugin()],
      outfile: path.join(cacheDir, 'plugin.mjs'),
    });
  } catch (error) {
    const failure = error as { errors?: Message[] };
    const diagnostics = (failure.errors ?? []).map((message) => toDiagnostic(message, entry));
    const first = diagnostics[0]?.message ?? String(error);
    throw new PluginCompileError(`cannot compile plugin ${entry}: ${first}`, diagnostics);
  }
  const output = result.outputFiles.find((file) => file.path.endsWith('.mjs'));
  if (!output) throw new PluginCompileError(`cannot compile plugin ${entry}: esbuild produced no output`, []);
  const code = `const __aether_entry_url = ${JSON.stringify(pathToFileURL(entry).href)};\n${output.text}`;
  const hash = createHash('sha256').update(entry).update('\0').update(code).digest('hex').slice(0, 16);
  const base = path.basename(path.dirname(entry)).replace(/[^A-Za-z0-9_.-]/g, '_');
  const bundleFile = path.join(cacheDir, `${base}-${hash}.mjs`);
  if (!existsSync(bundleFile)) {
    mkdirSync(cacheDir, { recursive: true });
    const temp = `${bundleFile}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, bundleFile);
  }
  return { bundleFile };
}
