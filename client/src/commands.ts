// Every command of the extension, from one table of factories (the rust-analyzer shape). A command that
// needs the language server says so; while the server is down it explains instead of failing silently.
import * as vscode from 'vscode';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Ctx } from './ctx';
import { PIPELINE_LANGUAGE } from './ctx';
import { debugPipeline } from './debug/pipelineDebugging';
import { registerReplay } from './debug/replayStep';
import { embeddedRuntime, runtimeBundles } from './embeddedRuntime';
import { pipelineSource, pluginPackage, pluginSandbox, pluginSource } from './templates';
import { pluginNameOf } from './plugins/pluginsTree';

type Factory = (ctx: Ctx) => (...args: never[]) => unknown;

let lastPipeline: vscode.Uri | undefined;

/** The pipeline a command is about: its argument, else the active editor, else the pipeline editor
 * focused last (a panel beside it may have the focus), else a pick. */
async function pipelineUri(arg: unknown): Promise<vscode.Uri | undefined> {
  if (arg instanceof vscode.Uri) return arg;
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId === PIPELINE_LANGUAGE) return editor.document.uri;
  const visible = vscode.window.visibleTextEditors.filter((e) => e.document.languageId === PIPELINE_LANGUAGE).map((e) => e.document.uri);
  const remembered = visible.find((uri) => uri.toString() === lastPipeline?.toString()) ?? (visible.length === 1 ? visible[0] : undefined);
  if (remembered) return remembered;
  const files = await vscode.workspace.findFiles('**/{*.pipeline.yaml,*.pipeline.yml,pipeline.yaml}', '**/node_modules/**');
  if (files.length === 0) {
    void vscode.window.showInformationMessage(
      'AetherScript: no pipeline files (*.pipeline.yaml) in this workspace. Create one with "New Pipeline from Template".',
    );
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    files.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { title: 'Run which pipeline?' },
  );
  return pick?.uri;
}

/** The AetherScript workspace root (where aether.config.json is) of a resource or the first folder. */
async function workspaceRoot(arg?: unknown): Promise<string | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  const folder = (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('AetherScript: open a folder first.');
    return undefined;
  }
  const start = uri && uri.scheme === 'file' ? path.dirname(uri.fsPath) : folder.uri.fsPath;
  return embeddedRuntime().findWorkspaceRoot(start);
}

function requireTrust(what: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`AetherScript: ${what} loads plugin code, which is disabled in an untrusted workspace.`);
  return false;
}

const bundlesOf = (ctx: Ctx) => runtimeBundles(ctx.extension.extensionPath);

/** A plugin from the catalog or the installed ones, picked by name. */
async function pickPlugin(ctx: Ctx, title: string, from: 'catalog' | 'installed'): Promise<string | undefined> {
  if (from === 'catalog' && !ctx.plugins.fullCatalog) await ctx.plugins.refreshCatalog();
  if (from === 'installed' && !ctx.plugins.installed) await ctx.plugins.refreshInstalled();
  const items =
    from === 'catalog'
      ? (ctx.plugins.fullCatalog ?? []).map((e) => ({
          label: e.name,
          description: `${e.version} · ${e.attestation.status}`,
          detail: e.description,
        }))
      : (ctx.plugins.installed ?? [])
          .filter((p) => p.source === 'node_modules')
          .map((p) => ({ label: p.packageName ?? p.name, description: `${p.version} · ${p.attestation.status}`, detail: p.description }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(
      from === 'catalog'
        ? `AetherScript: no plugins found on the registry${ctx.plugins.catalogError ? `: ${ctx.plugins.catalogError}` : '.'}`
        : 'AetherScript: no plugin packages installed from npm in this workspace.',
    );
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true }))?.label;
}

const commands: Record<string, Factory> = {
  'aether.runPipeline': (ctx) => async (arg?: unknown) => {
    const uri = await pipelineUri(arg);
    if (uri) await ctx.runs.run({ uri, debugPlugins: false });
  },
  'aether.runPipelineDebug': (ctx) => async (arg?: unknown) => {
    const uri = await pipelineUri(arg);
    if (!uri) return;
    ctx.panels.show('debugPlugins');
    await ctx.runs.run({ uri, debugPlugins: true });
  },
  'aether.runs.replayStep': (ctx) => registerReplay(ctx),
  'aether.debugPipeline': () => async (arg?: unknown) => {
    const uri = await pipelineUri(arg);
    if (uri) await debugPipeline(uri);
  },
  'aether.stopRun': (ctx) => (key?: number) => {
    if (!ctx.runs.stop(typeof key === 'number' ? key : undefined))
      void vscode.window.showInformationMessage('AetherScript: no run in progress.');
  },
  'aether.validateWorkspace': (ctx) => async () => {
    // The language server validates open documents; opening (not showing) each pipeline gives the
    // Problems panel the same diagnostics as `aether validate`, from the same service.
    const files = await vscode.workspace.findFiles('**/{*.pipeline.yaml,*.pipeline.yml,pipeline.yaml}', '**/node_modules/**');
    await Promise.all(files.map((uri) => vscode.workspace.openTextDocument(uri)));
    ctx.log.info(`validating ${files.length} pipeline file(s)`);
    if (!ctx.serverRunning)
      void vscode.window.showWarningMessage('AetherScript: the language server is not running; see the AetherScript log.');
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  },
  'aether.syncPlugins': (ctx) => async (arg?: unknown) => {
    const root = await workspaceRoot(arg);
    if (!root || !requireTrust('syncing plugins')) return;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'AetherScript: syncing plugins' },
      () => embeddedRuntime().syncPlugins(root, bundlesOf(ctx)),
    );
    for (const d of result.diagnostics) ctx.log[d.severity === 'error' ? 'error' : 'warn'](`${d.file ?? ''} ${d.message}`);
    if (result.ok)
      void vscode.window.showInformationMessage(
        `AetherScript: ${result.plugins.length} plugins synced into ${vscode.workspace.asRelativePath(result.file)}${result.changed ? '' : ' (unchanged)'}.`,
      );
    else {
      ctx.log.show(true);
      void vscode.window.showErrorMessage(
        `AetherScript: sync failed, ${vscode.workspace.asRelativePath(result.file)} left as it was: ${result.diagnostics.find((d) => d.severity === 'error')?.message ?? 'see the log'}`,
      );
    }
  },
  'aether.listPlugins': (ctx) => async (arg?: unknown) => {
    const root = await workspaceRoot(arg);
    if (!root || !requireTrust('listing plugins')) return;
    const inspected = await embeddedRuntime().inspectWorkspacePlugins({ workspaceRoot: root, bundles: bundlesOf(ctx) });
    const items = inspected.set.plugins.map((p) => ({
      label: `${p.order + 1}. ${p.meta.name}`,
      description: `${p.meta.version} · ${p.source} · ${p.attestation?.status ?? 'unchecked'}`,
      detail: `${p.reason} — commands: ${Object.keys(p.meta.commands ?? { [p.meta.name]: {} }).join(', ')}${p.meta.hooks?.length ? ` — hooks: ${p.meta.hooks.join(', ')}` : ''}`,
      entry: p.entry,
    }));
    for (const d of inspected.diagnostics) ctx.log.warn(d.message);
    const pick = await vscode.window.showQuickPick(items, {
      title: `AetherScript plugins in load order (${items.length})`,
      matchOnDetail: true,
    });
    if (pick) await vscode.window.showTextDocument(vscode.Uri.file(pick.entry));
  },
  'aether.showLoadOrder': (ctx) => () => ctx.panels.show('loadOrder'),
  'aether.showHookTraces': (ctx) => () => ctx.panels.show('hookTraces'),
  'aether.showVisualizations': (ctx) => () => ctx.panels.show('visualizations'),
  'aether.showDebugPlugins': (ctx) => () => ctx.panels.show('debugPlugins'),
  'aether.showBenchmarks': (ctx) => () => ctx.panels.show('benchmarks'),
  'aether.benchPlugin': (ctx) => async (arg?: unknown) => {
    if (!requireTrust('benchmarking a plugin')) return;
    let dir = arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!dir) {
      await ctx.benchmarks.discover();
      const dirs = ctx.benchmarks.pluginDirs;
      const active = vscode.window.activeTextEditor?.document.uri.fsPath;
      dir = dirs.find((d) => active?.startsWith(d + path.sep));
      if (!dir)
        dir = (
          await vscode.window.showQuickPick(
            dirs.map((d) => ({ label: vscode.workspace.asRelativePath(d), dir: d })),
            { title: 'Benchmark which plugin?' },
          )
        )?.dir;
    }
    if (dir) await ctx.benchmarks.runPluginDir(dir);
  },
  'aether.testPlugin': (ctx) => async (arg?: unknown) => {
    if (!requireTrust('testing a plugin')) return;
    let dir = arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!dir) {
      const files = await vscode.workspace.findFiles('**/test/*.sandbox.yaml', '**/node_modules/**');
      const dirs = [...new Set(files.map((f) => path.dirname(path.dirname(f.fsPath))))].sort();
      const active = vscode.window.activeTextEditor?.document.uri.fsPath;
      dir = dirs.find((d) => active?.startsWith(d + path.sep));
      if (!dir)
        dir = (
          await vscode.window.showQuickPick(
            dirs.map((d) => ({ label: vscode.workspace.asRelativePath(d), dir: d })),
            { title: 'Test which plugin?' },
          )
        )?.dir;
    }
    if (dir) await ctx.tests.runPluginDir(dir);
  },
  'aether.newPlugin': () => async () => {
    const root = await workspaceRoot();
    if (!root) return;
    const name = await vscode.window.showInputBox({
      title: 'New AetherScript plugin',
      prompt: 'npm-style name; the plugin goes to plugins/<name>/',
      validateInput: (v) =>
        /^[a-z0-9][a-z0-9._-]*$/.test(v)
          ? existsSync(path.join(root, 'plugins', v))
            ? `plugins/${v} already exists`
            : undefined
          : 'lower-case letters, digits, ".", "_" and "-"',
    });
    if (!name) return;
    const dir = vscode.Uri.file(path.join(root, 'plugins', name));
    const edit = new vscode.WorkspaceEdit();
    const create = (rel: string, text: string) =>
      edit.createFile(vscode.Uri.joinPath(dir, rel), { contents: new TextEncoder().encode(text), ignoreIfExists: true });
    create('index.ts', pluginSource(name));
    create('package.json', pluginPackage(name));
    create(`test/${name}.sandbox.yaml`, pluginSandbox(name));
    await vscode.workspace.applyEdit(edit);
    await vscode.window.showTextDocument(vscode.Uri.joinPath(dir, 'index.ts'));
  },
  'aether.newPipeline': () => async () => {
    const root = await workspaceRoot();
    if (!root) return;
    const name = await vscode.window.showInputBox({
      title: 'New AetherScript pipeline',
      prompt: 'name; creates <name>.pipeline.yaml',
      validateInput: (v) => (/^[a-z0-9][a-z0-9_-]*$/.test(v) ? undefined : 'lower-case letters, digits, "_" and "-"'),
    });
    if (!name) return;
    const uri = vscode.Uri.file(path.join(root, `${name}.pipeline.yaml`));
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(uri, { contents: new TextEncoder().encode(pipelineSource(name)), ignoreIfExists: true });
    await vscode.workspace.applyEdit(edit);
    await vscode.window.showTextDocument(uri);
  },
  'aether.plugins.refresh': (ctx) => () => ctx.plugins.refresh(),
  'aether.plugins.search': (ctx) => async () => {
    const filter = await vscode.window.showInputBox({
      title: 'Search the plugin catalog',
      prompt: `Plugins with the keyword aetherscript-plugin on ${ctx.plugins.registry ?? 'the registry of your npm configuration'}; empty shows all`,
      value: ctx.plugins.filter,
      placeHolder: 'name, description or command',
    });
    if (filter !== undefined) await ctx.plugins.setFilter(filter);
  },
  'aether.plugins.clearSearch': (ctx) => () => ctx.plugins.setFilter(''),
  'aether.plugins.install': (ctx) => async (arg?: unknown) => {
    const name = pluginNameOf(arg) ?? (await pickPlugin(ctx, 'Install which plugin?', 'catalog'));
    if (name) await ctx.plugins.install(name);
  },
  'aether.plugins.update': (ctx) => async (arg?: unknown) => {
    const name = pluginNameOf(arg) ?? (await pickPlugin(ctx, 'Update which plugin?', 'installed'));
    if (name) await ctx.plugins.update(name);
  },
  'aether.plugins.remove': (ctx) => async (arg?: unknown) => {
    const name = pluginNameOf(arg) ?? (await pickPlugin(ctx, 'Remove which plugin?', 'installed'));
    if (name) await ctx.plugins.remove(name);
  },
  'aether.plugins.showDetail': (ctx) => async (arg?: unknown, section?: unknown) => {
    const name = pluginNameOf(arg) ?? (await pickPlugin(ctx, 'Show which plugin?', 'catalog'));
    if (!name) return;
    const installed = ctx.plugins.installedPlugin(name);
    // A local plugin is not on the registry: its source is its detail page.
    if (section === 'installed' && installed?.source === 'local' && !ctx.plugins.catalogEntry(name)) {
      await vscode.window.showTextDocument(vscode.Uri.file(installed.entry));
      return;
    }
    ctx.panels.show('pluginDetail', { plugin: name });
  },
  'aether.plugins.publish': (ctx) => async (arg?: unknown) => {
    let dir: string | undefined;
    if (arg instanceof vscode.Uri) {
      const isFile = /\.(ts|js|mjs)$/.test(arg.fsPath) || path.basename(arg.fsPath) === 'package.json';
      dir = isFile ? path.dirname(arg.fsPath) : arg.fsPath;
    } else {
      const root = await workspaceRoot();
      if (!root) return;
      const active = vscode.window.activeTextEditor?.document.uri.fsPath;
      const entries = await vscode.workspace.findFiles('plugins/*/{index.ts,index.js,index.mjs,package.json}', '**/node_modules/**');
      const dirs = [...new Set(entries.map((f) => path.dirname(f.fsPath)))].sort();
      dir = dirs.find((d) => active?.startsWith(d + path.sep));
      dir ??= (
        await vscode.window.showQuickPick(
          dirs.map((d) => ({ label: path.basename(d), description: vscode.workspace.asRelativePath(d), dir: d })),
          { title: 'Publish which plugin?' },
        )
      )?.dir;
    }
    if (dir) await ctx.plugins.publish(dir);
  },
  'aether.showLog': (ctx) => () => ctx.log.show(),
  'aether.restartServer': (ctx) => () => ctx.restartClient(),
  'aether.runs.clear': (ctx) => () => ctx.store.clearFinished(),
  'aether.runs.showTraces': (ctx) => (key?: number) => ctx.panels.show('hookTraces', typeof key === 'number' ? { runKey: key } : undefined),
  'aether.runs.revealStep': () => async (file: string, stepId: string) => {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const match = new RegExp(`^\\s*-?\\s*id:\\s*['"]?${stepId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*$`, 'm').exec(
      document.getText(),
    );
    const at = match ? document.positionAt(match.index + match[0].indexOf(stepId)) : new vscode.Position(0, 0);
    await vscode.window.showTextDocument(document, { selection: new vscode.Range(at, at.translate(0, match ? stepId.length : 0)) });
  },
};

export function registerCommands(ctx: Ctx): void {
  const remember = (editor: vscode.TextEditor | undefined) => {
    if (editor?.document.languageId === PIPELINE_LANGUAGE) lastPipeline = editor.document.uri;
  };
  remember(vscode.window.activeTextEditor);
  ctx.push(vscode.window.onDidChangeActiveTextEditor(remember));
  for (const [id, factory] of Object.entries(commands)) {
    const handler = factory(ctx) as (...args: unknown[]) => unknown;
    ctx.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          ctx.log.error(`${id}: ${(error as Error).stack ?? error}`);
          void vscode.window
            .showErrorMessage(`AetherScript: ${(error as Error).message}`, 'Show Log')
            .then((pick) => pick && ctx.log.show());
          return undefined;
        }
      }),
    );
  }
}
