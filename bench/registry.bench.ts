// Registry costs (issue 15, spec section 12), against a local Verdaccio:
// - `aether plugins add` of one plugin beside a plain `npm install` of the same package, in the same run
//   (their ratio is what fetching and verifying the tarball first, checking the install and syncing cost);
// - `aether plugins search` over 200 published plugins (each result fetched and verified from its
//   tarball), cold (empty npm cache) and warm.
// Prints figures; not a timed test. Run alone: node --import tsx bench/registry.bench.ts
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateKeyPair } from '../runtime/src/trust';
import { publishPlugin, searchPlugins } from '../runtime/src/registry';
import { startRegistry } from '../test/integration/registry/verdaccio';
import { fmtMs, median } from './benchUtil';

const repo = path.resolve(__dirname, '..');
const cli = path.join(repo, 'runtime', 'bin', 'aether.js');
const PLUGINS = 200;
const RUNS = 3;

function pluginSource(name: string): string {
  return `export default class P {
  static meta = { name: '${name}', version: '1.0.0', description: 'Benchmark plugin ${name}', engines: { aetherscript: '^1.0.0' },
    commands: { ['${name}-run']: { description: 'does nothing' } }, permissions: { env: ['CI'] } };
  async execute() { return { ok: true }; }
}
`;
}

async function workspace(base: string, name: string, registry: string, trusted: unknown): Promise<string> {
  const dir = path.join(base, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name, version: '1.0.0', private: true })}\n`);
  await writeFile(path.join(dir, '.npmrc'), `registry=${registry}\n`);
  await writeFile(
    path.join(dir, 'aether.config.json'),
    `${JSON.stringify({ aether: { trust: { policy: 'require', keys: [trusted] } } })}\n`,
  );
  return dir;
}

function timed(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return ms;
}

export async function registryBench(): Promise<string[]> {
  const base = await mkdtemp(path.join(os.tmpdir(), 'aether-registry-bench-'));
  const registry = await startRegistry();
  const savedCache = process.env.npm_config_cache;
  try {
    const pair = await generateKeyPair(path.join(base, 'keys'));
    const trusted = { keyid: pair.keyid, publicKey: await readFile(pair.publicKeyFile, 'utf8') };
    process.env.npm_config_cache = path.join(base, 'publish-cache');

    // 200 signed plugins, published with the same code as `aether plugins publish` (sandbox cases: none).
    const publishStarted = performance.now();
    const names = Array.from({ length: PLUGINS }, (_, i) => `bench-plugin-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 4) {
      await Promise.all(
        names.slice(i, i + 4).map(async (name) => {
          const dir = path.join(base, 'authoring', name);
          await mkdir(dir, { recursive: true });
          await writeFile(path.join(dir, 'index.ts'), pluginSource(name));
          await publishPlugin(dir, { registry: registry.url, key: pair.privateKeyFile });
        }),
      );
    }
    const publishMs = (performance.now() - publishStarted) / PLUGINS;

    // add vs npm install, alternating, each with a fresh workspace and an empty npm cache.
    const add: number[] = [];
    const plain: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const env = (cache: string) => ({ ...process.env, npm_config_cache: path.join(base, cache), NO_COLOR: '1' });
      const a = await workspace(base, `add-${run}`, registry.url, trusted);
      add.push(timed(process.execPath, [cli, 'plugins', 'add', names[0]!], a, env(`cache-add-${run}`)));
      const n = await workspace(base, `npm-${run}`, registry.url, trusted);
      plain.push(
        timed(
          'npm',
          ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier', names[0]!],
          n,
          env(`cache-npm-${run}`),
        ),
      );
    }

    // search over the 200: cold (empty npm cache), then warm.
    const searchRoot = await workspace(base, 'search', registry.url, trusted);
    process.env.npm_config_cache = path.join(base, 'cache-search');
    let started = performance.now();
    const found = await searchPlugins(searchRoot, '');
    const coldMs = performance.now() - started;
    const warm: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      started = performance.now();
      await searchPlugins(searchRoot, '');
      warm.push(performance.now() - started);
    }
    const verified = found.filter((entry) => entry.attestation.status === 'verified').length;
    const addMs = median(add);
    const npmMs = median(plain);
    return [
      `  publish (sign, pack, verify the tarball, libnpmpublish): ${fmtMs(publishMs)} per plugin over ${PLUGINS}`,
      `  aether plugins add ${names[0]}: median ${fmtMs(addMs)} beside npm install of it ${fmtMs(npmMs)} (ratio ${(addMs / npmMs).toFixed(2)}; ${RUNS} runs each, empty npm cache, CLI processes)`,
      `  search over ${found.length} plugins (${verified} verified from their tarballs): cold ${fmtMs(coldMs)}, warm median ${fmtMs(median(warm))} (${((median(warm) / found.length) * 1000).toFixed(0)} µs per plugin)`,
    ];
  } finally {
    if (savedCache === undefined) delete process.env.npm_config_cache;
    else process.env.npm_config_cache = savedCache;
    await registry.dispose();
    await rm(base, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void registryBench().then((lines) => {
    for (const line of lines) console.log(line);
  });
}
