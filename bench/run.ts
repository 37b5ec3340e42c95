// `npm run bench`: every benchmark, each figure printed beside a reference measured in the same run.
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { defaultBundles } from '../runtime/src/engine/runtimePaths';
import { runtimeBench } from './runtime.bench';
import { isolationBench } from './isolation.bench';
import { permissionsBench } from './permissions.bench';
import { formatAttestationBench, runAttestationBench } from './attestation.bench';
import { serverBench } from './server.bench';
import { extensionBench } from './extension.bench';
import { pluginBenchBench } from './pluginBench.bench';
import { debugBench } from './debug.bench';
import { registryBench } from './registry.bench';

const repo = path.resolve(__dirname, '..');
const bundles = defaultBundles(path.join(repo, 'runtime', 'dist'));

async function section(title: string, run: () => Promise<string[]>): Promise<void> {
  console.log(`\n== ${title}`);
  try {
    for (const line of await run()) console.log(line);
  } catch (error) {
    console.log(`  FAILED: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  try {
    execFileSync('node', ['esbuild.js'], { cwd: repo, stdio: 'inherit' });
  } catch {
    console.log('(the build reported errors; benchmarking the bundles that were built)');
  }
  console.log(`node ${process.version}, ${require('node:os').cpus().length} cores`);
  await section('runtime core (issue 2)', () => runtimeBench(bundles));
  await section('isolation (issue 3)', () => isolationBench(bundles));
  await section('attestation (issue 4)', async () => [formatAttestationBench(await runAttestationBench())]);
  await section('permissions enforced (issue 10)', () => permissionsBench(bundles));
  await section('plugin-bench measurement overhead (issue 14)', () => pluginBenchBench(bundles));
  await section('debug adapter (issue 13)', () => debugBench(bundles));
  await section('plugin registry: add vs npm install, search over 200 (issue 15)', () => registryBench());
  await section('language server over LSP (issue 5)', () => serverBench());
  await section('VS Code extension (issue 6)', () => extensionBench());
}

void main();
