// A run refused for a plugin that would not load says what `aether validate` says, every problem
// once, on stderr (issue 12): the plugin's own error, and the step that needs it, with its position.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { createWorkspace, type Workspace } from './workspace';

const PIPELINE = 'name: p\nsteps:\n  - id: a\n    run: go\n';
const PLUGIN = `export default class X {
  static meta = { name: 'x', version: 'one', dependencies: { nope: '^1.0.0' }, commands: { go: {} } };
  async execute() { return 1; }
}
`;

describe('a run refused for a plugin that would not load', () => {
  let ws: Workspace;
  before(async () => {
    ws = await createWorkspace({ plugins: { x: { 'index.mjs': PLUGIN } }, pipelines: { 'p.pipeline.yaml': PIPELINE }, config: {} });
  });
  after(() => ws.dispose());

  it('prints each problem once, on stderr, with the step position validate gives', async () => {
    const run = await ws.run(['run', 'p.pipeline.yaml']);
    assert.equal(run.code, 2, run.stderr);
    const validate = await ws.run(['validate', '--json', 'p.pipeline.yaml']);
    const [file] = JSON.parse(validate.stdout).files as Array<{
      diagnostics: Array<{ code: string; message: string; range?: { line: number; column: number } }>;
    }>;
    const stepProblem = file!.diagnostics.find((d) => d.code === 'pipeline/plugin-load');
    assert.ok(stepProblem, validate.stdout);
    // The same words as validate, at the same place, once.
    assert.equal(run.stderr.split(stepProblem.message).length - 1, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`p\\.pipeline\\.yaml:${stepProblem.range!.line}:${stepProblem.range!.column}: .*would not load`));
    const versionProblem = 'meta.version "one" is not a valid semver version';
    const lines = run.stderr.split('\n').filter((line) => line.includes(versionProblem) && !line.includes('would not load'));
    assert.equal(lines.length, 1, run.stderr);
    assert.doesNotMatch(run.stdout, /not a valid semver/, 'problems go to stderr');
  });
});
