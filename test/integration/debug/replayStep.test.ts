// Replaying one step of a recorded run (issue 13): a fresh plugin instance gets the input, config and
// state the record says the step had; its new output is set beside the recorded one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runPipeline } from '../../../runtime/src/engine/runPipeline';
import { replayStep } from '../../../runtime/src/engine/replayStep';
import { defaultBundles } from '../../../runtime/src/engine/runtimePaths';
import { createWorkspace, pluginModule, repoRoot, type Workspace } from '../runtime/workspace';

const bundles = defaultBundles(path.join(repoRoot, 'runtime', 'dist'));
const greeter = (greeting: string) =>
  pluginModule(
    { name: 'greeter', version: '1.0.0', commands: { remember: {}, greet: {} } },
    {
      execute: `if (ctx.command === 'remember') { ctx.state.set('who', ctx.input.who); return null; }
      return { text: ${JSON.stringify(greeting)} + ', ' + ctx.state.get('who') + ctx.config.punctuation + ' x' + ctx.input.times };`,
    },
  );
const PIPELINE = `name: replay
plugins:
  greeter: { punctuation: '!' }
steps:
  - id: first
    run: remember
    with: { who: Ada }
  - id: second
    run: greet
    needs: [first]
    with: { times: 2 }
`;

describe('replaying one recorded step', () => {
  let ws: Workspace;
  let recordFile: string;
  before(async () => {
    ws = await createWorkspace({ plugins: { greeter: greeter('Hello') }, pipelines: { 'r.pipeline.yaml': PIPELINE } });
    const run = await runPipeline({ file: ws.path('r.pipeline.yaml'), bundles });
    assert.equal(run.exitCode, 0, run.error);
    recordFile = run.recordFile!;
  });
  after(() => ws.dispose());

  test('the step gets its recorded input, config and state, and gives the recorded output again', async () => {
    const replay = await replayStep({ recordFile, stepId: 'second', bundles });
    assert.deepEqual(replay.input, { times: 2 });
    assert.deepEqual(replay.config, { punctuation: '!' });
    assert.deepEqual(replay.state, { who: 'Ada' });
    assert.deepEqual(replay.recorded.output, { text: 'Hello, Ada! x2' });
    assert.deepEqual(replay.replayed, { status: 'ok', output: { text: 'Hello, Ada! x2' } });
    assert.equal(replay.same, true);
  });

  test('after the plugin changed, the new output stands beside the recorded one; under the inspector too', async () => {
    await ws.write('plugins/greeter/index.ts', greeter('Goodbye'));
    const replay = await replayStep({ recordFile, stepId: 'second', bundles, inspect: { port: 0, brk: false } });
    assert.deepEqual(replay.recorded.output, { text: 'Hello, Ada! x2' });
    assert.deepEqual(replay.replayed.output, { text: 'Goodbye, Ada! x2' });
    assert.equal(replay.same, false);
  });

  test('an unknown step, or one the record has no input for, is a clear error', async () => {
    await assert.rejects(replayStep({ recordFile, stepId: 'nope', bundles }), /has no step "nope"/);
  });
});
