// One build for every process the product runs: the extension client, the language server,
// the runtime CLI and library, and the plugin host. `--watch` rebuilds on change,
// `--production` minifies and drops source maps (used for the .vsix).
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/**
 * Packages resolved at run time from node_modules instead of being bundled: TypeScript (the plugin
 * compiler of the runtime and the parser of the language server) is 9 MB that only a cold plugin
 * compile or the server loads, and the .vsix ships it once for both.
 */
const runtimeExternals = ['typescript', ...npmLibraries()];

/**
 * npm's own libraries (spec section 12: search, fetch, pack, publish, config), loaded from node_modules
 * when a registry command first needs them: they read files of their own packages at run time
 * (@npmcli/config's definitions, node-gyp paths) and are megabytes no run or validation needs.
 */
function npmLibraries() {
  return [
    'pacote',
    'libnpmpublish',
    'libnpmsearch',
    'libnpmpack',
    'npm-registry-fetch',
    'npm-package-arg',
    '@npmcli/config',
    '@npmcli/config/lib/definitions',
  ];
}

/**
 * The JSON Schemas the language server compiles on its first open, compiled here instead with ajv's
 * standalone code generation (issue 11: ajv compiling the pipeline schema was ~55 ms of the first
 * didOpen, the plugin meta schema ~35 ms of the workspace index before it). The modules that compile
 * them (runtime/src/pipeline/schemaCheck.ts, runtime/src/plugins/meta.ts) get, for `import Ajv from
 * 'ajv'`, a stand-in whose `compile` returns the generated validator when the schema and options are
 * the ones generated for, and compiles with the real ajv otherwise (plugins' own schemas).
 */
const precompiled = [
  { schema: 'runtime/schemas/pipeline.schema.json', options: { allErrors: true, verbose: true, allowUnionTypes: true } },
  { schema: 'runtime/schemas/plugin-meta.schema.json', options: { allErrors: true, allowUnionTypes: true } },
];
const precompiledFor = ['runtime/src/pipeline/schemaCheck.ts', 'runtime/src/plugins/meta.ts'].map((file) => path.join(__dirname, file));

function ajvStandalone() {
  // The runtime's ajv (8), as the bundles resolve it from runtime/src, not the top level's.
  const fromRuntime = (id) => require(require.resolve(id, { paths: [path.join(__dirname, 'runtime/src')] }));
  const Ajv = fromRuntime('ajv').default;
  const standaloneCode = fromRuntime('ajv/dist/standalone').default;
  const validators = precompiled.map(({ schema, options }, i) => {
    const json = fs.readFileSync(path.join(__dirname, schema), 'utf8');
    const ajv = new Ajv({ ...options, code: { source: true } });
    return {
      name: `validator${i}`,
      code: standaloneCode(ajv, ajv.compile(JSON.parse(json))),
      schema: JSON.stringify(JSON.parse(json)),
      options,
    };
  });
  const shim = `import RealAjv from 'ajv';
${validators.map((v) => `import ${v.name} from 'ajv-standalone:${v.name}';`).join('\n')}
const precompiled = [${validators.map((v) => `[${JSON.stringify(v.schema)}, ${JSON.stringify(JSON.stringify(v.options))}, ${v.name}]`).join(', ')}];
export default class Ajv {
  constructor(options) { this.options = options; }
  compile(schema) {
    const json = JSON.stringify(schema);
    const options = JSON.stringify(this.options);
    for (const [s, o, validate] of precompiled) if (s === json && o === options) return validate;
    return new RealAjv(this.options).compile(schema);
  }
}
`;
  return {
    name: 'ajv-standalone',
    setup(build) {
      build.onResolve({ filter: /^ajv$/ }, (args) =>
        precompiledFor.includes(args.importer) ? { path: 'shim', namespace: 'ajv-standalone' } : undefined,
      );
      build.onResolve({ filter: /^ajv-standalone:/ }, (args) => ({
        path: args.path.slice('ajv-standalone:'.length),
        namespace: 'ajv-standalone',
      }));
      build.onLoad({ filter: /.*/, namespace: 'ajv-standalone' }, (args) => ({
        contents: args.path === 'shim' ? shim : validators.find((v) => v.name === args.path).code,
        resolveDir: path.join(__dirname, 'runtime/src'),
        loader: 'js',
      }));
    },
  };
}

/**
 * The `yaml` parser reads `process.env.LOG_TOKENS` once per token, a debugging switch of the library's
 * own; reading `process.env` is a call into C++ each time (~60 ms of the ~500 ms a 30,000-line pipeline
 * takes to parse, issue 11). The bundles read the switch as off.
 */
function yamlWithoutTokenLog() {
  return {
    name: 'yaml-without-token-log',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]yaml[\\/]dist[\\/](?:parse[\\/]parser|compose[\\/]composer)\.js$/ }, (args) => {
        const source = fs.readFileSync(args.path, 'utf8');
        const contents = source.replace(/\bnode_process\.env\.LOG_(?:TOKENS|STREAM)\b/g, 'false');
        return { contents, loader: 'js' };
      });
    },
  };
}

/** Each entry is one bundle; `when` skips bundles whose sources do not exist yet. */
const bundles = [
  { entry: 'runtime/src/cli/main.ts', out: 'runtime/dist/cli.js' },
  { entry: 'runtime/src/index.ts', out: 'runtime/dist/index.js' },
  // No source maps for what every plugin worker loads: the host runs with --enable-source-maps (for the
  // plugins' own stack traces), which would parse this bundle's map once per worker, ~50 ms over 20 plugins.
  { entry: 'runtime/src/host/pluginHost.ts', out: 'runtime/dist/pluginHost.js', sourcemap: false },
  { entry: 'runtime/src/host/spawnedWorker.ts', out: 'runtime/dist/spawnedWorker.js', sourcemap: false },
  { entry: 'runtime/src/api.ts', out: 'runtime/dist/api.mjs', format: 'esm' },
  // `aether validate`'s worker thread (runtime/src/cli/commands/validate.ts).
  { entry: 'runtime/src/workspace/validateWorker.ts', out: 'runtime/dist/validateWorker.js' },
  { entry: 'server/src/server.ts', out: 'server/dist/server.js', plugins: [ajvStandalone()] },
  { entry: 'client/src/extension.ts', out: 'dist/client/extension.js', external: ['vscode'] },
  // Loaded after activation (client/src/lazy/loadBundle.ts): activation parses only extension.js.
  { entry: 'client/src/lazy/languageClientBundle.ts', out: 'dist/client/languageClient.js', external: ['vscode'] },
  { entry: 'client/src/lazy/runtimeBundle.ts', out: 'dist/client/runtime.js', external: ['vscode'] },
  // The Plugins view's registry calls, with npm's libraries bundled in (the .vsix has no node_modules of
  // theirs): a child process of the extension host per search, install or publish.
  { entry: 'client/src/lazy/registryWorker.ts', out: 'dist/client/registry.js', bundleNpm: true },
  { entry: 'client/webview/main.ts', out: 'dist/webview/main.js', platform: 'browser', format: 'iife' },
];

async function main() {
  const contexts = [];
  for (const bundle of bundles) {
    if (!fs.existsSync(path.join(__dirname, bundle.entry))) continue;
    const platform = bundle.platform ?? 'node';
    contexts.push(
      await esbuild.context({
        entryPoints: [bundle.entry],
        outfile: bundle.out,
        bundle: true,
        platform,
        format: bundle.format ?? 'cjs',
        target: platform === 'node' ? 'node20' : 'es2022',
        external:
          platform === 'node'
            ? [...runtimeExternals.filter((id) => !(bundle.bundleNpm && npmLibraries().includes(id))), ...(bundle.external ?? [])]
            : [],
        minify: production,
        sourcemap: !production && bundle.sourcemap !== false,
        sourcesContent: false,
        logLevel: 'warning',
        absWorkingDir: __dirname,
        // Schemas are JSON files shared with the editor; bundle them as data.
        loader: { '.json': 'json' },
        plugins: [yamlWithoutTokenLog(), ...(bundle.plugins ?? [])],
        // @npmcli/run-script resolves node-gyp only to run a package's lifecycle scripts, which the
        // registry never runs (installs and packs are --ignore-scripts).
        ...(bundle.bundleNpm ? { logOverride: { 'require-resolve-not-external': 'silent' } } : {}),
      }),
    );
  }
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    console.log(`[esbuild] watching ${contexts.length} bundles`);
    return;
  }
  await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  await Promise.all(contexts.map((ctx) => ctx.dispose()));
  console.log(`[esbuild] built ${contexts.length} bundles${production ? ' (production)' : ''}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
