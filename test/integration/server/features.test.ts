// Every authoring feature over the real server process, through a real JSON-RPC client, over stdio and
// over node IPC (`--node-ipc`): completion, hover, definition, references, rename, symbols, folding,
// code actions, the aether/loadOrder request, plugin source and package.json diagnostics.
import { strict as assert } from 'node:assert';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type {
  CodeAction,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  LocationLink,
  WorkspaceEdit,
} from 'vscode-languageserver-types';

const SERVER = path.resolve(__dirname, '../../../server/dist/server.js');

const PLUGIN = `export default class Tools {
  static meta = {
    name: 'tools',
    version: '1.0.0',
    description: 'Build tools',
    commands: { bundle: { description: 'Bundle sources', input: { type: 'object', properties: { entry: { type: 'string' } }, additionalProperties: false } } },
    config: { type: 'object', required: ['outDir'], properties: { outDir: { type: 'string' } } },
  };
  async execute(ctx) { ctx.state.set('built', true); return { path: 'dist/app.js' }; }
}
`;
const PIPELINE = [
  'name: release',
  'steps:',
  '  - id: build',
  '    run: bundle',
  '    with: { entry: src/main.ts }',
  '  - id: ship',
  '    run: bundle',
  '    needs: [build]',
  '    colour: red',
  '    with:',
  '      entry: ${{ steps.build.output.path }}',
  '',
].join('\n');

for (const transport of ['stdio', 'node-ipc'] as const) {
  describe(`language server features over ${transport}`, { timeout: 90_000 }, () => {
    let root: string;
    let server: ChildProcess;
    let connection: MessageConnection;
    const published: PublishDiagnosticsParams[] = [];
    let waiters: Array<() => void> = [];
    const uri = (file: string) => pathToFileURL(path.join(root, file)).href;
    const diagnosticsFor = async (target: string, accept: (p: PublishDiagnosticsParams) => boolean = () => true): Promise<Diagnostic[]> => {
      for (;;) {
        const hit = published.find((p) => p.uri === target && accept(p));
        if (hit) return hit.diagnostics;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    const request = <T>(method: string, params: unknown) => connection.sendRequest(method, params) as Promise<T>;
    const at = (line: number, character: number) => ({
      textDocument: { uri: uri('release.pipeline.yaml') },
      position: { line, character },
    });

    before(async () => {
      assert.ok(existsSync(SERVER), 'build first: node esbuild.js');
      root = mkdtempSync(path.join(tmpdir(), `aether-features-${transport}-`));
      writeFileSync(path.join(root, 'aether.config.json'), '{}\n');
      mkdirSync(path.join(root, 'plugins/tools'), { recursive: true });
      writeFileSync(path.join(root, 'plugins/tools/index.mjs'), PLUGIN);
      mkdirSync(path.join(root, 'plugins/needy'), { recursive: true });
      writeFileSync(
        path.join(root, 'plugins/needy/index.ts'),
        `export default class Needy {\n  static meta = { name: 'needy', version: '1.0.0', dependencies: { 'ghost': '^1.0.0' } };\n  async execute() {}\n}\n`,
      );
      mkdirSync(path.join(root, 'plugins/unbuilt'), { recursive: true });
      writeFileSync(
        path.join(root, 'plugins/unbuilt/package.json'),
        '{\n  "name": "unbuilt",\n  "aetherscript": { "plugin": "./dist/index.js" }\n}\n',
      );
      if (transport === 'stdio') {
        server = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
        connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
      } else {
        server = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        connection = createMessageConnection(new IPCMessageReader(server), new IPCMessageWriter(server));
      }
      connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
        published.push(params);
        const wake = waiters;
        waiters = [];
        for (const w of wake) w();
      });
      connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => ({})));
      connection.onRequest('client/registerCapability', () => null);
      connection.listen();
      const rootUri = pathToFileURL(root).href;
      await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri,
        workspaceFolders: [{ uri: rootUri, name: 'ws' }],
        capabilities: { workspace: { configuration: true } },
      });
      await connection.sendNotification('initialized', {});
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: uri('release.pipeline.yaml'), languageId: 'aetherscript-pipeline', version: 1, text: PIPELINE },
      });
    });

    after(async () => {
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        // already gone
      }
      connection.dispose();
      server.kill();
      rmSync(root, { recursive: true, force: true });
    });

    it('diagnostics: unknown key and the plugin block the command needs', async () => {
      const diagnostics = await diagnosticsFor(uri('release.pipeline.yaml'), (p) => p.version === 1);
      assert.deepEqual(diagnostics.map((d) => d.code).sort(), ['pipeline/plugin-config', 'pipeline/unknown-key']);
    });

    it('completion: commands with their plugin, needs ids, expression paths', async () => {
      const commands = await request<CompletionList>('textDocument/completion', at(3, 11));
      assert.equal(commands.items.find((i) => i.label === 'bundle')?.detail, 'tools');
      const paths = await request<CompletionList>('textDocument/completion', at(10, 24));
      assert.ok(
        paths.items.some((i) => i.label === 'build'),
        JSON.stringify(paths.items.map((i) => i.label)),
      );
    });

    it('hover: the command doc, and the step an expression reads', async () => {
      const command = await request<Hover>('textDocument/hover', at(3, 11));
      assert.match(JSON.stringify(command.contents), /Bundle sources/);
      const expression = await request<Hover>('textDocument/hover', at(10, 24));
      assert.match(JSON.stringify(expression.contents), /Step `build`/);
    });

    it('definition: a needs entry to its step, a command to its plugin meta', async () => {
      const need = await request<LocationLink[]>('textDocument/definition', at(7, 13));
      assert.equal(need[0]?.targetRange.start.line, 2);
      const command = await request<LocationLink[]>('textDocument/definition', at(3, 11));
      assert.match(command[0]?.targetUri ?? '', /plugins\/tools\/index\.mjs$/);
    });

    it('references and rename of a step id', async () => {
      const refs = await request<Location[]>('textDocument/references', { ...at(2, 10), context: { includeDeclaration: true } });
      assert.deepEqual(
        refs.map((r) => r.range.start.line),
        [2, 7, 10],
      );
      const edit = await request<WorkspaceEdit>('textDocument/rename', { ...at(2, 10), newName: 'compile' });
      assert.equal(edit.changes?.[uri('release.pipeline.yaml')]?.length, 3);
    });

    it('document symbols and folding', async () => {
      const symbols = await request<DocumentSymbol[]>('textDocument/documentSymbol', {
        textDocument: { uri: uri('release.pipeline.yaml') },
      });
      const steps = symbols.find((s) => s.name === 'steps');
      assert.deepEqual(
        steps?.children?.map((c) => c.name),
        ['build', 'ship'],
      );
      const folds = await request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: uri('release.pipeline.yaml') } });
      assert.ok(
        folds.some((f) => f.startLine === 5),
        JSON.stringify(folds),
      );
    });

    it('code actions: remove the unknown key, add the plugin block', async () => {
      const diagnostics = await diagnosticsFor(uri('release.pipeline.yaml'), (p) => p.version === 1);
      const actions = await request<CodeAction[]>('textDocument/codeAction', {
        textDocument: { uri: uri('release.pipeline.yaml') },
        range: { start: { line: 0, character: 0 }, end: { line: 11, character: 0 } },
        context: { diagnostics },
      });
      const titles = actions.map((a) => a.title);
      assert.ok(titles.includes('Remove unknown key "colour"'), titles.join());
      assert.ok(titles.includes('Add the config block of plugin "tools"'), titles.join());
    });

    it('aether/loadOrder: loaded plugins with reasons, and the ones that would not load', async () => {
      const [result] = await request<
        Array<{ plugins: Array<{ name: string; reason: string }>; notLoaded: Array<{ name?: string; reasons: Array<{ code: string }> }> }>
      >('aether/loadOrder', {});
      assert.deepEqual(
        result?.plugins.map((p) => p.name),
        ['tools'],
      );
      assert.ok(result?.notLoaded.some((p) => p.name === 'needy' && p.reasons.some((r) => r.code === 'plugin/missing-dependency')));
    });

    it('plugin source and package.json diagnostics', async () => {
      const needy = uri('plugins/needy/index.ts');
      const text = `export default class Needy {\n  static meta = { name: 'needy', version: '1.0.0', dependencies: { 'ghost': '^1.0.0' } };\n  async execute() {}\n}\n`;
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri: needy, languageId: 'typescript', version: 1, text },
      });
      const source = await diagnosticsFor(needy, (p) => p.diagnostics.length > 0);
      assert.deepEqual(
        source.map((d) => [d.code, d.range.start.line]),
        [['plugin/missing-dependency', 1]],
      );
      const pkg = uri('plugins/unbuilt/package.json');
      await connection.sendNotification('textDocument/didOpen', {
        textDocument: {
          uri: pkg,
          languageId: 'json',
          version: 1,
          text: '{\n  "name": "unbuilt",\n  "aetherscript": { "plugin": "./dist/index.js" }\n}\n',
        },
      });
      const pkgDiagnostics = await diagnosticsFor(pkg, (p) => p.version === 1);
      assert.deepEqual(
        pkgDiagnostics.map((d) => [d.code, d.range.start.line]),
        [['plugin/missing-entry', 2]],
      );
    });

    it('package.json of a plugin that is not open: published from the disk, cleared once the plugin is built', async () => {
      const pkg = uri('plugins/unbuilt/package.json');
      /** The next diagnostics published for it without a version (as a file, not a document) after `since`. */
      let since = 0;
      const next = async (): Promise<Diagnostic[]> => {
        for (;;) {
          const at = published.findIndex((p, i) => i >= since && p.uri === pkg && p.version === undefined);
          if (at >= 0) {
            since = at + 1;
            return published[at]!.diagnostics;
          }
          await new Promise<void>((resolve) => waiters.push(resolve));
        }
      };
      const lines = (diagnostics: Diagnostic[]) => diagnostics.map((d) => [d.code, d.range.start.line]);
      // Closed (the test above opened it): cleared as a document, then checked from the disk.
      since = published.length;
      await connection.sendNotification('textDocument/didClose', { textDocument: { uri: pkg } });
      assert.deepEqual(await next(), []);
      assert.deepEqual(lines(await next()), [['plugin/missing-entry', 2]]);
      // Built: the watcher reports the new entry, the folder is rediscovered, the problem is gone.
      since = published.length;
      mkdirSync(path.join(root, 'plugins/unbuilt/dist'), { recursive: true });
      writeFileSync(
        path.join(root, 'plugins/unbuilt/dist/index.js'),
        `export default class Unbuilt {\n  static meta = { name: 'unbuilt', version: '1.0.0' };\n  async execute() {}\n}\n`,
      );
      await connection.sendNotification('workspace/didChangeWatchedFiles', {
        changes: [{ uri: uri('plugins/unbuilt/dist/index.js'), type: 1 }],
      });
      assert.deepEqual(await next(), []);
      const order = await request<Array<{ plugins: Array<{ name: string }> }>>('aether/loadOrder', {});
      assert.ok(order[0]!.plugins.some((p) => p.name === 'unbuilt'));
    });
  });
}
