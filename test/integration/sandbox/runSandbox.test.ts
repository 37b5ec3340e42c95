// runSandbox as the VS Code extension calls it: in process, streaming cases, cancellable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runSandbox, type SandboxCaseResult } from '../../../runtime/src/sandbox';

const repoRoot = path.resolve(__dirname, '../../..');
const dist = path.join(repoRoot, 'runtime', 'dist');
const bundles = { hostModule: path.join(dist, 'pluginHost.js'), apiModule: path.join(dist, 'api.mjs') };
const flaky = path.join(repoRoot, 'examples', 'broken', 'plugins', 'flaky-tools');

test('runSandbox streams each case and returns the report', async () => {
  const streamed: SandboxCaseResult[] = [];
  const report = await runSandbox(flaky, { bundles, caseName: 'wrong expected output', onCase: (result) => streamed.push(result) });
  assert.equal(report.status, 'failed');
  assert.equal(report.exitCode, 1);
  assert.deepEqual(report.files, [path.join(flaky, 'test', 'flaky-tools.sandbox.yaml')]);
  assert.deepEqual(streamed, report.cases);
  assert.deepEqual([report.passed, report.failed], [0, 1]);
});

test('an aborted signal stops the running case after the grace period and runs nothing more', async () => {
  const controller = new AbortController();
  const streamed: SandboxCaseResult[] = [];
  let started = 0;
  // "infinite loop hits the timeout" blocks its thread for 1 s; cancelling must not wait for that.
  const report = await runSandbox(flaky, {
    bundles,
    signal: controller.signal,
    cancelGraceMs: 100,
    onCase: (result) => {
      streamed.push(result);
    },
    caseName: 'infinite loop hits the timeout',
    // Cancel once the case is in its endless loop.
    onCaseStart: () => {
      started = performance.now();
      setTimeout(() => controller.abort(), 300);
    },
  });
  const elapsed = performance.now() - started;
  assert.equal(report.status, 'cancelled');
  assert.equal(report.exitCode, 130);
  assert.equal(report.cases.length, 1);
  assert.match(report.cases[0]!.error ?? '', /cancelled/);
  assert.ok(elapsed < 950, `took ${Math.round(elapsed)} ms`);
});
