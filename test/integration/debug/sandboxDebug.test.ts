// The Testing view's Debug profile runs sandbox cases under the Node inspector (issue 13): the host
// says where its inspector listens, and a case held past its plugin's timeout is not stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runSandbox } from '../../../runtime/src/sandbox/runSandbox';
import { defaultBundles } from '../../../runtime/src/engine/runtimePaths';
import { createWorkspace, repoRoot } from '../runtime/workspace';

test('sandbox cases under the inspector: the URL is reported and the timeout does not fire', async () => {
  const ws = await createWorkspace({
    plugins: {
      napper: {
        'index.ts': `export default class Napper {
  static meta = { name: 'napper', version: '1.0.0', commands: { nap: {} }, limits: { timeoutMs: 200 } };
  async execute() { await new Promise((resolve) => setTimeout(resolve, 600)); return { slept: true }; }
}
`,
        'test/nap.sandbox.yaml':
          'plugin: ../index.ts\ncases:\n  - name: naps\n    command: nap\n    expect:\n      status: ok\n      output: { slept: true }\n',
      },
    },
  });
  try {
    const urls: string[] = [];
    const bundles = defaultBundles(path.join(repoRoot, 'runtime', 'dist'));
    const plain = await runSandbox(ws.path('plugins/napper'), { bundles });
    assert.equal(plain.failed, 1, 'without a debugger the 200 ms timeout stops the case');
    const report = await runSandbox(ws.path('plugins/napper'), {
      bundles,
      inspect: { port: 0, brk: false, onListening: (url) => urls.push(url) },
    });
    assert.equal(report.passed, 1, JSON.stringify(report.cases[0]?.failures));
    assert.ok(urls.length >= 1);
    assert.match(urls[0]!, /^ws:\/\/127\.0\.0\.1:\d+\//);
  } finally {
    await ws.dispose();
  }
});
