// The package.json of every plugin, open or not (VS Code does not send JSON files to this server), gets
// its diagnostics: checked again when a folder's plugins are rediscovered, not on every change.
import { pathToFileURL } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { nodeFileSystem } from '../../runtime/src/workspace/nodeFileSystem';
import { validatePluginPackageJson } from '../../runtime/src/workspace/pluginPackage';
import type { WorkspaceIndexes } from '../../runtime/src/workspace/workspaceIndex';
import type { PluginSourceWorker } from './pluginSourceWorker';
import { toLspDiagnostics } from './service/languageService';

export interface PackageDiagnosticsOptions {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  indexes: WorkspaceIndexes;
  sourceParser: PluginSourceWorker;
  /** Resolves once the workspace folders are indexed. */
  ready: () => Promise<void>;
  logError: (error: unknown) => void;
}

export class PackageDiagnostics {
  /** Per folder: the discovery last published and the files that got diagnostics then. */
  private readonly published = new Map<string, { discoveryVersion: number; uris: Set<string> }>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: PackageDiagnosticsOptions) {}

  /** Publishes what changed since the last time, one pass after another. */
  publish(): Promise<void> {
    this.queue = this.queue.then(() => this.publishNow()).catch(this.options.logError);
    return this.queue;
  }

  /** An open package.json closed: checked from the disk again, with the rest of its folder's packages. */
  closed(path: string): Promise<void> {
    const index = this.options.indexes.forFile(path);
    const last = index && this.published.get(index.root);
    if (last) last.discoveryVersion = -1;
    return this.publish();
  }

  private async publishNow(): Promise<void> {
    const { connection, documents, indexes, sourceParser, logError } = this.options;
    await this.options.ready();
    const clear = async (uris: Iterable<string>, keep: Set<string>) => {
      for (const uri of uris) if (!keep.has(uri) && !documents.get(uri)) await connection.sendDiagnostics({ uri, diagnostics: [] });
    };
    const current = new Map(indexes.all.map((index) => [index.root, index]));
    for (const [root, last] of this.published) {
      if (current.has(root)) continue;
      this.published.delete(root); // a folder removed from the workspace
      await clear(last.uris, new Set());
    }
    for (const index of current.values()) {
      const last = this.published.get(index.root);
      const discoveryVersion = index.discoveryVersion;
      if (last?.discoveryVersion === discoveryVersion) continue;
      const uris = new Set<string>();
      for (const file of index.pluginPackageFiles) {
        const uri = pathToFileURL(file).href;
        if (documents.get(uri)) continue; // an open one is validated as a document
        const text = await nodeFileSystem.readFile(file);
        if (text === undefined) continue;
        const found = await sourceParser.validatePackage(text, file, index).catch((error: unknown) => {
          logError(error);
          return validatePluginPackageJson(text, file, index);
        });
        // Opened while it was read: its own validation publishes.
        if (found.length === 0 || documents.get(uri)) continue;
        uris.add(uri);
        await connection.sendDiagnostics({ uri, diagnostics: toLspDiagnostics(text, found) });
      }
      await clear(last?.uris ?? [], uris);
      this.published.set(index.root, { discoveryVersion, uris });
    }
  }
}
