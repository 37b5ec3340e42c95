// Signed benchmark figures (spec section 11): `aether plugins sign` records the latest plugin-bench
// summary in the attestation predicate, and `aether plugins list --verbose` shows them, as text and
// in --json, once a trusted key vouches for them. The real CLI on a real workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseEnvelope } from '../../../runtime/src/trust/dsse';
import { parseStatement } from '../../../runtime/src/trust/attestation';

const repoRoot = path.resolve(__dirname, '../../..');
const cliBin = path.join(repoRoot, 'runtime', 'bin', 'aether.js');

function aether(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const PLUGIN = `
export default class Busy {
  static meta = { name: 'busy', version: '1.0.0', commands: { wait: {} } };
  async execute() {
    const end = performance.now() + 1;
    while (performance.now() < end) {}
    return null;
  }
}
`;

const BENCH = `plugin: ../index.mjs
benchmarks:
  - name: waits 1 ms
    command: wait
    time: 200ms
`;

test('plugins sign records the latest bench summary; plugins list --verbose shows the signed figures', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'aether-signed-bench-'));
  try {
    await writeFile(path.join(root, 'aether.config.json'), '{}\n');
    const dir = path.join(root, 'plugins', 'busy');
    await mkdir(path.join(dir, 'test'), { recursive: true });
    await writeFile(path.join(dir, 'index.mjs'), PLUGIN);
    await writeFile(path.join(dir, 'test', 'busy.bench.yaml'), BENCH);
    const keys = path.join(root, 'keys');

    // Signed before any benchmark ran: nothing to record, and the output says how to get figures.
    assert.equal((await aether(['keys', 'generate', '--out', keys], root)).code, 0);
    assert.equal((await aether(['keys', 'trust', path.join(keys, 'aether-signing.pub')], root)).code, 0);
    const early = await aether(['plugins', 'sign', dir, '--key', path.join(keys, 'aether-signing.key')], root);
    assert.equal(early.code, 0, early.stderr);
    assert.match(early.stdout, /benchmarks: none signed: no benchmark figures on record/);

    const bench = await aether(['dev', 'plugin-bench', dir, '--json'], root);
    assert.equal(bench.code, 0, bench.stderr);
    const measured = bench.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { type: string; benchmark?: string; figures?: { medianMs: number } })
      .find((line) => line.type === 'benchmark');
    assert.ok(measured?.figures, bench.stdout);

    const signed = await aether(['plugins', 'sign', dir, '--key', path.join(keys, 'aether-signing.key')], root);
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stdout, /benchmarks: 1 signed, measured /);

    // In the signed statement itself.
    const envelope = parseEnvelope(JSON.parse(readFileSync(path.join(dir, 'aetherscript.attestation.json'), 'utf8')));
    const statement = parseStatement(envelope.payloadBytes);
    assert.equal(statement.predicate.benchmarks?.benchmarks[0]?.medianMs, measured.figures.medianMs);

    const listed = await aether(['plugins', 'list', '--verbose', '--json'], root);
    assert.equal(listed.code, 0, listed.stderr);
    const plugin = (
      JSON.parse(listed.stdout) as {
        plugins: Array<{
          name: string;
          attestation: {
            status: string;
            benchmarks?: {
              source: string;
              reference: { medianMs: number };
              benchmarks: Array<{ name: string; status: string; medianMs: number; ratio?: number }>;
            };
          };
        }>;
      }
    ).plugins.find((p) => p.name === 'busy');
    assert.equal(plugin?.attestation.status, 'verified');
    const figures = plugin.attestation.benchmarks;
    assert.ok(figures, 'signed figures in list --json');
    assert.equal(figures.source, 'run');
    assert.equal(figures.benchmarks.length, 1);
    const [one] = figures.benchmarks;
    assert.equal(one?.name, 'waits 1 ms');
    assert.equal(one.status, 'ok');
    assert.equal(one.medianMs, measured.figures.medianMs);
    assert.ok(one.medianMs >= 1 && one.medianMs < 1.5, `median ${one.medianMs} ms for a 1 ms wait`);
    assert.ok(one.ratio !== undefined && Math.abs(one.ratio - one.medianMs / figures.reference.medianMs) < 1e-6 * one.ratio);

    const text = await aether(['plugins', 'list', '--verbose'], root);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /benchmarks: signed, measured .*reference no-op/);
    assert.match(text.stdout, /waits 1 ms: median 1\.\d\d ms {2}p99 .* ops\/s {2}[\d,]+(\.\d)?x the no-op/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
