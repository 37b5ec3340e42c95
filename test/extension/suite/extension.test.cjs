/* global describe, it */
// Smoke tests in a real extension host: activation, the language id, diagnostics from the server,
// the commands, and one real run of the example pipeline.
const assert = require('node:assert/strict');
const path = require('node:path');
const vscode = require('vscode');

const examples = vscode.workspace.workspaceFolders[0].uri.fsPath;
const ext = () => vscode.extensions.getExtension('aetherscript.aetherscript-studio');

async function until(check, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('AetherScript Studio', () => {
  it('activates and registers its commands', async () => {
    await ext().activate();
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['aether.runPipeline', 'aether.stopRun', 'aether.showLoadOrder', 'aether.testPlugin'])
      assert.ok(commands.includes(id), id);
  });

  it('gives pipelines their own language id and server diagnostics', async () => {
    const doc = await vscode.workspace.openTextDocument(path.join(examples, 'broken', 'unknown-command.pipeline.yaml'));
    assert.equal(doc.languageId, 'aetherscript-pipeline');
    const diagnostics = await until(
      () =>
        vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === 'aether' || String(d.code).includes('unknown-command'))
          .length && vscode.languages.getDiagnostics(doc.uri),
      'diagnostics',
    );
    assert.ok(diagnostics.some((d) => d.range.start.line === 5));
  });

  it('runs the release pipeline in the embedded runtime', async () => {
    const ctx = ext().exports;
    const run = await ctx.runs.run({ uri: vscode.Uri.file(path.join(examples, 'release.pipeline.yaml')), debugPlugins: false });
    assert.equal(run.phase, 'ok', run.error);
    assert.ok([...run.steps.values()].every((s) => s.status === 'ok'));
  });
});
