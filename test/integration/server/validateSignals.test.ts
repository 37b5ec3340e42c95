// `aether validate` busy with a large file ends promptly on SIGTERM and SIGINT, with the CLI's
// cancellation exit code (130) and no half-printed report.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chain } from '../../unit/pipeline/pathologicalPipelines';

const repo = path.resolve(__dirname, '../../..');
const CLI = path.join(repo, 'runtime/bin/aether.js');

describe('aether validate and signals', { timeout: 60_000 }, () => {
  let dir: string;
  let file: string;

  before(() => {
    assert.ok(existsSync(path.join(repo, 'runtime/dist/validateWorker.js')), 'build first: node esbuild.js');
    dir = mkdtempSync(path.join(tmpdir(), 'aether-signal-'));
    file = path.join(dir, 'large.pipeline.yaml');
    // Several seconds of checking on this machine: the signal arrives while the check runs.
    writeFileSync(file, chain(40_000));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} while checking: exits at once with 130`, async () => {
      const child = spawn(process.execPath, [CLI, 'validate', file], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
      );
      // Past start-up (about 0.3 s), well before the check ends.
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const sent = performance.now();
      child.kill(signal);
      const result = await exited;
      const delay = result.at - sent;
      // A signal that beat the start-up would end the process by the signal itself: prompt as well.
      assert.ok(result.code === 130 || result.signal === signal, `exit ${result.code ?? result.signal}`);
      assert.ok(delay < 1000, `exited ${delay.toFixed(0)} ms after ${signal}`);
      assert.equal(stdout, '');
    });
  }
});
