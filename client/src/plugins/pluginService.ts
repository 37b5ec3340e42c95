// What the Plugins view, the detail page, completion and the Load Order graph know about plugins: the
// workspace's installed plugins (read statically, dist/client/runtime.js) and the registry's catalog
// (dist/client/registry.js, a child process per call, never started by activation), plus the actions on them:
// install, update, remove and publish, each with cancellable progress, refusals put to the user.
import * as vscode from 'vscode';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Ctx } from '../ctx';
import { Config } from '../config';
import { callRegistry } from './registryClient';
import { embeddedRuntime, runtimeBundles } from '../embeddedRuntime';
import { filterCatalog, refusalPrompt, type CatalogEntry, type InstalledPlugin } from './pluginsModel';
import type { PublishPreview, RegistryOptions } from '../../../runtime/src/registry/types';
import type { PublishOptions } from '../../../runtime/src/registry/publish';

/** Whether an `npm` executable is on PATH: installs run the npm CLI of the user's machine. */
export function npmOnPath(): boolean {
  const names = process.platform === 'win32' ? ['npm.cmd', 'npm.exe', 'npm'] : ['npm'];
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && names.some((n) => existsSync(path.join(dir, n))));
}

const NO_NPM =
  'AetherScript: installing plugins uses the npm CLI, and no `npm` is on the PATH of the editor. Install Node.js with npm (https://nodejs.org) and restart the editor.';

export class PluginService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  installed: InstalledPlugin[] | undefined;
  installedError: string | undefined;
  /** Every plugin on the registry (the empty search): update detection and completion use it. */
  fullCatalog: CatalogEntry[] | undefined;
  /** What the Catalog section shows: the full catalog, or the results of the filter. */
  shownCatalog: CatalogEntry[] | undefined;
  catalogError: string | undefined;
  catalogLoading = false;
  filter = '';
  registry: string | undefined;
  root: string | undefined;
  private catalogRequest: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    // npm and `plugins sync` change these; so do users by hand.
    const watcher = vscode.workspace.createFileSystemWatcher('**/{aether.config.json,package.json,plugins/*/index.{ts,js,mjs}}');
    let timer: NodeJS.Timeout | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.refreshInstalled(), 400);
    };
    this.disposables.push(this.changed, watcher, watcher.onDidChange(later), watcher.onDidCreate(later), watcher.onDidDelete(later), {
      dispose: () => clearTimeout(timer),
    });
  }

  /** The registry API, each call in a child process (registryClient.ts: VS Code's http patch breaks npm's agent here). */
  private registryBundle() {
    const ext = this.ctx.extension.extensionPath;
    type Update = RegistryOptions & { allowDowngrade?: boolean; allowPermissions?: boolean };
    return {
      searchPlugins: (root: string, query: string, o: RegistryOptions) => callRegistry(ext, 'searchPlugins', [root, query], o),
      inspectPlugin: (root: string, spec: string, o: RegistryOptions) => callRegistry(ext, 'inspectPlugin', [root, spec], o),
      addPlugin: (root: string, spec: string, o: RegistryOptions) => callRegistry(ext, 'addPlugin', [root, spec], o),
      updatePlugins: (root: string, name: string, o: Update) => callRegistry(ext, 'updatePlugins', [root, name], o),
      removePlugin: (root: string, name: string, o: RegistryOptions) => callRegistry(ext, 'removePlugin', [root, name], o),
      preparePublish: (dir: string, o: PublishOptions) => callRegistry(ext, 'preparePublish', [dir], o),
      publishPlugin: (dir: string, o: PublishOptions) => callRegistry(ext, 'publishPlugin', [dir], o),
    };
  }

  /** The AetherScript root of the first workspace folder (where aether.config.json is). */
  async workspaceRoot(): Promise<string | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    this.root = embeddedRuntime().findWorkspaceRoot(folder.uri.fsPath);
    return this.root;
  }

  private get registryOverride(): string | undefined {
    return Config.for().registry || undefined;
  }

  async refreshInstalled(): Promise<void> {
    const root = await this.workspaceRoot();
    if (!root) {
      this.installed = [];
      this.changed.fire();
      return;
    }
    try {
      this.installed = await embeddedRuntime().readInstalledPlugins(root);
      this.installedError = undefined;
    } catch (error) {
      this.installedError = `The workspace's plugins cannot be read: ${(error as Error).message}`;
    }
    this.changed.fire();
  }

  /** Asks the registry again (the full catalog, and the filter's results when there is a filter). */
  async refreshCatalog(): Promise<void> {
    const root = await this.workspaceRoot();
    if (!root) {
      this.catalogError = 'Open a folder to see the plugin catalog.';
      this.changed.fire();
      return;
    }
    this.catalogRequest?.abort();
    const request = new AbortController();
    this.catalogRequest = request;
    this.catalogLoading = true;
    this.changed.fire();
    const registry = this.registryBundle();
    const options = {
      signal: request.signal,
      ...(this.registryOverride ? { registry: this.registryOverride } : {}),
      onProgress: (line: string) => this.ctx.log.info(`catalog: ${line}`),
    };
    const started = performance.now();
    try {
      await vscode.window.withProgress({ location: { viewId: 'aether.plugins' } }, async () => {
        const full = await registry.searchPlugins(root, '', options);
        this.fullCatalog = full;
        this.registry = full[0]?.registry ?? this.registryOverride ?? this.registry;
        let shown = filterCatalog(full, this.filter);
        if (this.filter) {
          // The registry's own search may know more (descriptions, keywords) than the names here.
          const found = await registry.searchPlugins(root, this.filter, options);
          const names = new Set(shown.map((e) => e.name));
          shown = [...shown, ...found.filter((e) => !names.has(e.name))];
        }
        if (request.signal.aborted) return;
        this.shownCatalog = shown;
        this.catalogError = undefined;
      });
      this.ctx.log.info(`catalog: ${this.fullCatalog?.length ?? 0} plugins in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      if (request.signal.aborted) return;
      this.catalogError = (error as Error).message;
      this.ctx.log.warn(`catalog: ${this.catalogError}`);
    } finally {
      if (this.catalogRequest === request) {
        this.catalogLoading = false;
        this.catalogRequest = undefined;
      }
      this.changed.fire();
    }
  }

  async refresh(): Promise<void> {
    await Promise.all([this.refreshInstalled(), this.refreshCatalog()]);
  }

  async setFilter(filter: string): Promise<void> {
    this.filter = filter.trim();
    if (this.fullCatalog && !this.filter) {
      this.shownCatalog = this.fullCatalog;
      this.changed.fire();
      return;
    }
    await this.refreshCatalog();
  }

  catalogEntry(name: string): CatalogEntry | undefined {
    return this.fullCatalog?.find((e) => e.name === name) ?? this.shownCatalog?.find((e) => e.name === name);
  }

  installedPlugin(name: string): InstalledPlugin | undefined {
    return this.installed?.find((p) => p.name === name || p.packageName === name);
  }

  /** Runs a registry operation under a cancellable notification; progress lines go there and to the log. */
  private async withRegistry<T>(
    title: string,
    work: (options: { signal: AbortSignal; onProgress: (line: string) => void; registry?: string }, root: string) => Promise<T>,
  ): Promise<T | undefined> {
    const root = await this.workspaceRoot();
    if (!root) {
      void vscode.window.showWarningMessage('AetherScript: open a folder first.');
      return undefined;
    }
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `AetherScript: ${title}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        try {
          return await work(
            {
              signal: controller.signal,
              onProgress: (line) => {
                this.ctx.log.info(line);
                progress.report({ message: line.split('\n')[0] });
              },
              ...(this.registryOverride ? { registry: this.registryOverride } : {}),
            },
            root,
          );
        } finally {
          cancel.dispose();
        }
      },
    );
  }

  /** A registry failure or refusal as the user sees it: the runtime's message names registry, package and what to do. */
  private async reportFailure(what: string, error: unknown): Promise<void> {
    const e = error as { code?: string; message?: string };
    this.ctx.log.error(`${what}: ${e.message ?? String(error)}`);
    if (e.code === 'EABORTED') {
      void vscode.window.showInformationMessage(`AetherScript: ${what} was cancelled; the workspace was left as it was.`);
      return;
    }
    const pick = await vscode.window.showErrorMessage(`AetherScript: ${e.message ?? String(error)}`, 'Show Log');
    if (pick) this.ctx.log.show();
  }

  private requireInstallable(): boolean {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'AetherScript: installing plugins runs npm and loads plugin code (plugins sync), which is disabled in an untrusted workspace.',
      );
      return false;
    }
    if (!npmOnPath()) {
      void vscode.window.showErrorMessage(NO_NPM);
      return false;
    }
    return true;
  }

  /**
   * Tells the language server what npm and `plugins sync` changed. Its file watcher cannot be relied on
   * for node_modules (VS Code leaves it out of file watching by default), and Load Order, completion
   * and diagnostics come from the server's workspace index: the same event a watcher would send.
   */
  private async packagesChanged(names: string[]): Promise<void> {
    const root = this.root ?? (await this.workspaceRoot());
    if (!root || !this.ctx.client) return;
    const changed = (file: string) => ({ uri: vscode.Uri.file(file).toString(), type: 2 /* FileChangeType.Changed */ });
    const changes = [
      changed(path.join(root, 'aether.config.json')),
      ...names.map((name) => changed(path.join(root, 'node_modules', name, 'package.json'))),
    ];
    await this.ctx.client.sendNotification('workspace/didChangeWatchedFiles', { changes }).catch(() => undefined);
  }

  async install(name: string): Promise<boolean> {
    if (!this.requireInstallable()) return false;
    const entry = this.catalogEntry(name);
    const spec = entry ? `${name}@${entry.version}` : name;
    try {
      const result = await this.withRegistry(`installing ${spec}`, (options, root) =>
        this.registryBundle().addPlugin(root, spec, { ...options, bundles: runtimeBundles(this.ctx.extension.extensionPath) }),
      );
      if (!result) return false;
      for (const warning of result.warnings ?? []) this.ctx.log.warn(warning);
      const deps = result.dependencies?.length ? ` with ${result.dependencies.map((d) => `${d.name}@${d.version}`).join(', ')}` : '';
      void vscode.window.showInformationMessage(
        `AetherScript: installed ${result.name}@${result.version} (${result.attestation.status})${deps}.${result.warnings?.length ? ` ${result.warnings[0]}` : ''}`,
      );
      return true;
    } catch (error) {
      await this.reportFailure(`installing ${spec}`, error);
      return false;
    } finally {
      await this.packagesChanged([name]);
      await this.refresh();
    }
  }

  async update(name: string, allow: { allowDowngrade?: boolean; allowPermissions?: boolean } = {}): Promise<boolean> {
    if (!this.requireInstallable()) return false;
    try {
      const result = await this.withRegistry(`updating ${name}`, (options, root) =>
        this.registryBundle().updatePlugins(root, name, {
          ...options,
          ...allow,
          bundles: runtimeBundles(this.ctx.extension.extensionPath),
        }),
      );
      if (!result) return false;
      for (const u of result.updated) void vscode.window.showInformationMessage(`AetherScript: updated ${u.name} ${u.from} → ${u.to}.`);
      if (result.updated.length === 0 && result.refused.length === 0)
        void vscode.window.showInformationMessage(`AetherScript: ${name} is up to date.`);
      for (const refused of result.refused) {
        this.ctx.log.warn(`${refused.reason}\n${refused.diff}`);
        const prompt = refusalPrompt(refused);
        const overridable = (prompt.allowDowngrade && !allow.allowDowngrade) || (prompt.allowPermissions && !allow.allowPermissions);
        if (!overridable) {
          void vscode.window.showErrorMessage(prompt.message, { modal: true, detail: prompt.detail });
          continue;
        }
        const pick = await vscode.window.showWarningMessage(prompt.message, { modal: true, detail: prompt.detail }, 'Update anyway');
        if (pick === 'Update anyway') {
          return this.update(refused.name, {
            allowDowngrade: allow.allowDowngrade || prompt.allowDowngrade,
            allowPermissions: allow.allowPermissions || prompt.allowPermissions,
          });
        }
      }
      return result.updated.length > 0;
    } catch (error) {
      await this.reportFailure(`updating ${name}`, error);
      return false;
    } finally {
      await this.packagesChanged([name]);
      await this.refresh();
    }
  }

  async remove(name: string): Promise<boolean> {
    if (!this.requireInstallable()) return false;
    const pick = await vscode.window.showWarningMessage(
      `Remove plugin ${name}?`,
      { modal: true, detail: 'npm uninstall, then plugins sync. Refused (and undone) when another plugin still needs it.' },
      'Remove',
    );
    if (pick !== 'Remove') return false;
    try {
      await this.withRegistry(`removing ${name}`, (options, root) =>
        this.registryBundle().removePlugin(root, name, { ...options, bundles: runtimeBundles(this.ctx.extension.extensionPath) }),
      );
      void vscode.window.showInformationMessage(`AetherScript: removed ${name}.`);
      return true;
    } catch (error) {
      await this.reportFailure(`removing ${name}`, error);
      return false;
    } finally {
      await this.packagesChanged([name]);
      await this.refresh();
    }
  }

  async inspect(name: string, signal?: AbortSignal) {
    const root = await this.workspaceRoot();
    if (!root) throw new Error('Open a folder first.');
    const entry = this.catalogEntry(name);
    return this.registryBundle().inspectPlugin(root, entry ? `${name}@${entry.version}` : name, {
      ...(signal ? { signal } : {}),
      ...(this.registryOverride ? { registry: this.registryOverride } : {}),
    });
  }

  /** `aether plugins publish DIR` from the editor: the same checks, shown before anything goes. */
  async publish(dir: string): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'AetherScript: publishing runs the plugin’s sandbox cases, which is disabled in an untrusted workspace.',
      );
      return;
    }
    const keyState = 'aether.publish.key';
    const lastKey = this.ctx.extension.workspaceState.get<string>(keyState);
    const choices: (vscode.QuickPickItem & { key?: string; unsigned?: boolean; browse?: boolean })[] = [
      ...(lastKey && existsSync(lastKey)
        ? [{ label: `$(key) Sign with ${path.basename(lastKey)}`, description: lastKey, key: lastKey }]
        : []),
      { label: '$(folder-opened) Sign with a key file…', description: 'aether-signing.key from `aether keys generate`', browse: true },
      {
        label: '$(unverified) Publish unsigned',
        description: 'users under aether.trust.policy "require" cannot install it',
        unsigned: true,
      },
    ];
    const choice = await vscode.window.showQuickPick(choices, { title: `Publish ${path.basename(dir)}: signing` });
    if (!choice) return;
    let key = choice.key;
    if (choice.browse) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Signing key (PKCS#8 PEM)',
        canSelectMany: false,
        filters: { Key: ['key', 'pem'] },
      });
      if (!picked?.[0]) return;
      key = picked[0].fsPath;
    }
    if (key) await this.ctx.extension.workspaceState.update(keyState, key);
    const signing = { ...(key ? { key } : { unsigned: true }), bundles: runtimeBundles(this.ctx.extension.extensionPath) };
    let preview: PublishPreview | undefined;
    try {
      preview = await this.withRegistry(`checking ${path.basename(dir)} for publishing`, (options) =>
        this.registryBundle().preparePublish(dir, { ...options, ...signing }),
      );
    } catch (error) {
      await this.reportFailure(`checking ${path.basename(dir)}`, error);
      return;
    }
    if (!preview) return;
    const summary = publishSummary(preview);
    this.ctx.log.info(`publish preview of ${dir}:\n${summary.detail}`);
    if (preview.problems.length > 0) {
      void vscode.window.showErrorMessage(summary.message, { modal: true, detail: summary.detail });
      return;
    }
    const go = await vscode.window.showInformationMessage(summary.message, { modal: true, detail: summary.detail }, 'Publish');
    if (go !== 'Publish') return;
    try {
      const published = await this.withRegistry(`publishing ${summary.id}`, (options) =>
        this.registryBundle().publishPlugin(dir, { ...options, ...signing }),
      );
      if (published)
        void vscode.window.showInformationMessage(
          `AetherScript: published ${published.name}@${published.version} to ${published.registry}.`,
        );
    } catch (error) {
      await this.reportFailure(`publishing ${summary.id}`, error);
    } finally {
      void this.refreshCatalog();
    }
  }

  dispose(): void {
    this.catalogRequest?.abort();
    for (const d of this.disposables) d.dispose();
  }
}

export function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** What the publish confirmation says: the package, its files and size, the signature, the manifest, the checks. */
export function publishSummary(preview: PublishPreview): { id: string; message: string; detail: string } {
  const id = `${String(preview.manifest.name)}@${String(preview.manifest.version)}`;
  const lines = [
    preview.signature ? `Signed with key ${preview.signature.keyId.slice(0, 16)}` : 'Unsigned',
    `${preview.files.length} files, ${kb(preview.size)} packed${preview.integrity ? ` (${preview.integrity.slice(0, 22)}…)` : ''}:`,
    ...preview.files.slice(0, 30).map((f) => `  ${f.path}  ${kb(f.size)}`),
    ...(preview.files.length > 30 ? [`  … and ${preview.files.length - 30} more`] : []),
    preview.sandbox
      ? `Sandbox cases: ${preview.sandbox.passed} passed, ${preview.sandbox.failed} failed${preview.sandbox.failures.length ? ` (${preview.sandbox.failures.join('; ')})` : ''}`
      : 'Sandbox cases: none',
    `Benchmarks: ${preview.benchmarks ?? 'none recorded'}`,
    `package.json${preview.generatedManifest ? ' (generated from meta: the folder has none)' : ''}:`,
    JSON.stringify(preview.manifest, null, 2),
    ...(preview.problems.length ? ['', 'Not publishable:', ...preview.problems.map((p) => `• ${p}`)] : []),
  ];
  return {
    id,
    message: preview.problems.length ? `${id} cannot be published.` : `Publish ${id}?`,
    detail: lines.join('\n'),
  };
}
