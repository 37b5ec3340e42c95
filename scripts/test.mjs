// `npm test`: every test tier that exists, in order of speed, stopping at the first failing tier.
// 1. static checks (types, lint, format)  2. unit tests  3. integration tests (real processes)
// 4. end-to-end tests in a real VS Code (code-server + Playwright + chromium; setup cached in .cache/).
// `node scripts/test.mjs <tier>` runs one tier.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const only = process.argv[2];

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) files.push(...testFiles(file));
    else if (name.endsWith('.test.ts')) files.push(path.relative(root, file));
  }
  return files.sort();
}

const tiers = [
  { name: 'build', cmd: ['node', 'esbuild.js'] },
  { name: 'typecheck', cmd: ['npx', 'tsc', '--noEmit', '-p', '.'] },
  // One tsconfig per part, so each gets only its own environment (no DOM types in runtime/ or server/).
  ...['runtime', 'server', 'client', 'client/webview'].map((part) => ({
    name: `typecheck:${part}`,
    cmd: ['npx', 'tsc', '--noEmit', '-p', part],
  })),
  { name: 'lint', cmd: ['npx', 'eslint', '--max-warnings=0', '.'] },
  { name: 'format', cmd: ['npx', 'prettier', '--check', '--log-level=warn', '.'] },
  { name: 'unit', cmd: ['node', '--import', 'tsx', '--test', '--test-reporter=spec', ...testFiles(path.join(root, 'test/unit'))] },
  {
    name: 'integration',
    cmd: [
      'node',
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      ...testFiles(path.join(root, 'test/integration')),
    ],
  },
  // A real browser driving a real workbench on a shared 2-core machine: one retry, reported as such.
  { name: 'e2e', cmd: ['npm', 'run', 'test:e2e'], retries: 1 },
];

let failed = false;
for (const tier of tiers) {
  if (only && tier.name !== only) continue;
  if (tier.cmd.length <= 5 && tier.cmd.includes('--test')) continue; // a tier without test files
  const started = Date.now();
  console.log(`\n━━ ${tier.name} ━━ ${tier.cmd.slice(0, 6).join(' ')}${tier.cmd.length > 6 ? ' …' : ''}`);
  const run = () =>
    spawnSync(tier.cmd[0], tier.cmd.slice(1), {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, AETHER_LOG_DIR: process.env.AETHER_LOG_DIR ?? '' },
    });
  let result = run();
  for (let retry = 1; result.status !== 0 && retry <= (tier.retries ?? 0); retry++) {
    console.log(`━━ ${tier.name}: failed (exit ${result.status ?? result.signal}); retry ${retry} of ${tier.retries}`);
    result = run();
  }
  console.log(
    `━━ ${tier.name}: ${result.status === 0 ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  if (result.status !== 0) {
    failed = true;
    break;
  }
}
process.exit(failed ? 1 : 0);
