// The LSP adapter: a connection (stdio or node-ipc, chosen by the command line), open documents, the
// workspace indexes kept current by file watching, and the handler table: each handler fetches the
// document and delegates to the language service in a few lines. Settings are pulled per document
// (documentSettings.ts), edits coalesced (validationQueue.ts), memory given back when idle
// (idleCompaction.ts), plugin package.json files checked whether open or not (packageDiagnostics.ts).
import { spawnParserThread } from './parserThread';
import {
  type CancellationToken,
  createConnection,
  DidChangeWatchedFilesNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { isMainThread } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { nodeWorkspaceOptions } from '../../runtime/src/workspace/nodeWorkspace';
import { LoadOrderRequest } from './protocol';
import { getLanguageService, isPipelineUri, uriToPath } from './service/languageService';
import { isPackageJson } from '../../runtime/src/workspace/pluginPackage';
import { pluginTestFileKind } from './service/pluginTestFiles';
import { WorkspaceIndexes } from '../../runtime/src/workspace/workspaceIndex';
import { nodeBenchFigures } from './nodeBenchFigures';
import { PluginSourceWorker, servePluginSources } from './pluginSourceWorker';
import { validatePluginSource } from '../../runtime/src/workspace/pluginSource';
import { IdleCompaction } from './idleCompaction';
import { DocumentSettings } from './documentSettings';
import { ValidationQueue } from './validationQueue';
import { PackageDiagnostics } from './packageDiagnostics';
import { unlessCancelled } from './cancellation';

/** What this server offers; workspace folder events only to a client that has workspace folders. */
function capabilities(hasWorkspaceFolders: boolean): ServerCapabilities {
  return {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    completionProvider: { triggerCharacters: ['.', ':', ' ', '[', '/'] },
    hoverProvider: true,
    definitionProvider: true,
    referencesProvider: true,
    renameProvider: true,
    documentSymbolProvider: true,
    foldingRangeProvider: true,
    codeActionProvider: true,
    ...(hasWorkspaceFolders ? { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } } : {}),
  };
}

// The same bundle runs as the server and, in a worker thread, as its plugin source parser.
if (isMainThread) serve();
else servePluginSources();

function serve(): void {
  const connection: Connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  // Plugin sources are parsed in a worker that ends when idle, so TypeScript is never loaded here while
  // only pipelines are open. Should the worker fail, this thread parses (same result, more memory).
  const sourceParser = new PluginSourceWorker(spawnParserThread, 1000);
  // The workspace is indexed as soon as the client initializes: keep the thread started at load until then.
  sourceParser.prepare();
  // The synced `aether.plugins` list and `aether.trust` apply here as in a run (files read, never executed).
  /** Resolves when the index first hands a plugin source to the parser thread (discovery is done by then). */
  let sourceSent: () => void = () => undefined;
  const firstSourceSent = new Promise<void>((resolve) => (sourceSent = resolve));
  const indexes = new WorkspaceIndexes({
    ...nodeWorkspaceOptions,
    readSource: (text, file, location) => {
      const read = sourceParser.validate(text, file, location);
      sourceSent();
      return read.catch((error: unknown) => {
        logError(error);
        return validatePluginSource(text, file, location);
      });
    },
  });
  const service = getLanguageService({
    getIndex: (uri) => indexes.forFile(uriToPath(uri)),
    getIndexes: () => indexes.all,
    readBenchFigures: nodeBenchFigures,
  });
  const idle = new IdleCompaction(
    () => service.compact(),
    (message) => connection.console.log(message),
  );
  const settings = new DocumentSettings(connection);
  const queue = new ValidationQueue((uri) => {
    const document = documents.get(uri);
    if (document) void validate(document);
  });
  /** Documents with a check under way (from the queue to the publish); with `queue.isPending`, when hover and completion must not parse. */
  const inCheck = new Map<string, number>();
  const checking = (uri: string): boolean => queue.isPending(uri) || inCheck.has(uri);
  const packages = new PackageDiagnostics({ connection, documents, indexes, sourceParser, ready: () => ready, logError });

  let canWatchFiles = false;
  /** Only a client that has workspace folders may be asked for their change events (registering otherwise throws). */
  let hasWorkspaceFolders = false;
  let initialFolders: string[] = [];
  /** Resolves once every workspace folder has been indexed; requests wait for it. */
  let ready: Promise<void> = Promise.resolve();
  /** Whether `ready` has resolved (checks made before that parse their text while the index is built). */
  let indexed = true;

  connection.onInitialize((params): InitializeResult => {
    settings.canPull = params.capabilities.workspace?.configuration === true;
    canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    hasWorkspaceFolders = params.capabilities.workspace?.workspaceFolders === true;
    initialFolders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    // Clients without workspace folders name one root (rootPath is the deprecated form of rootUri).
    if (initialFolders.length === 0 && params.rootUri) initialFolders = [uriToPath(params.rootUri)];
    if (initialFolders.length === 0 && params.rootPath) initialFolders = [params.rootPath];
    indexed = false;
    ready = Promise.all(initialFolders.map((folder) => indexes.addFolder(folder))).then(
      () => void (indexed = true),
      (error: unknown) => {
        indexed = true;
        logError(error);
      },
    );
    return { capabilities: capabilities(hasWorkspaceFolders), serverInfo: { name: 'aether-language-server' } };
  });

  connection.onInitialized(async () => {
    if (canWatchFiles) {
      await connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [
          { globPattern: '**/plugins/**' },
          { globPattern: '**/node_modules/**/package.json' },
          { globPattern: '**/aether.config.json' },
        ],
      });
    }
    if (hasWorkspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(async (event) => {
        for (const removed of event.removed) indexes.removeFolder(uriToPath(removed.uri));
        await Promise.all(event.added.map((added) => indexes.addFolder(uriToPath(added.uri))));
        revalidateAll();
      });
    }
    await ready;
    revalidateAll();
  });

  connection.onDidChangeConfiguration(() => {
    settings.clear();
    revalidateAll();
  });

  async function validate(document: TextDocument): Promise<void> {
    idle.busy();
    const uri = document.uri;
    inCheck.set(uri, (inCheck.get(uri) ?? 0) + 1);
    try {
      // The first open of a session: the index is still being built (its plugin sources parsed in the
      // parser thread), so parse the text meanwhile; the check after `ready` then only adds the
      // plugin-aware part.
      if (!indexed) {
        // Not before discovery has handed the plugin sources to the parser thread (its file reads need
        // this thread), nor in the way of the reads of sibling plugins that finish at the same time.
        await Promise.race([firstSourceSent, ready]);
        await new Promise((resolve) => setImmediate(resolve));
        if (!indexed) await service.prepareSliced(document);
      }
      await ready;
      const documentSettings = await settings.for(document.uri);
      // The document may have changed while settings were fetched; the newer validation will publish.
      if (documents.get(document.uri)?.version !== document.version) return;
      // A whole-text parse is made a slice at a time, hover and completion answered in between.
      const diagnostics = await service.validateSliced(document, documentSettings);
      if (!diagnostics || documents.get(document.uri)?.version !== document.version) return;
      await connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
      idle.published(document.getText().length, service.lastAnalysisWasFull(document.uri));
    } catch (error) {
      logError(error);
    } finally {
      const left = (inCheck.get(uri) ?? 1) - 1;
      if (left > 0) inCheck.set(uri, left);
      else inCheck.delete(uri);
    }
  }

  function revalidateAll(): void {
    for (const document of documents.all()) queue.schedule(document.uri);
    void packages.publish();
  }

  /** An open plugin source changed: re-index it, then every open pipeline may read differently. */
  async function pluginChanged(path: string, text: string | null): Promise<void> {
    await ready;
    const changed = await indexes.fileChanged(path, text);
    if (changed.length > 0) revalidateAll();
  }

  function isPluginSource(uri: string): boolean {
    return /\.(?:[cm]?[jt]s)$/.test(uri) && indexes.forFile(uriToPath(uri))?.pluginAt(uriToPath(uri)) !== undefined;
  }

  documents.onDidChangeContent(async ({ document }) => {
    if (isPluginSource(document.uri)) await pluginChanged(uriToPath(document.uri), document.getText());
    else if (isPipelineUri(document.uri) || isPackageJson(uriToPath(document.uri)) || pluginTestFileKind(uriToPath(document.uri))) {
      queue.schedule(document.uri);
    }
  });

  documents.onDidClose(async ({ document }) => {
    queue.cancel(document.uri);
    service.forget(document.uri);
    settings.forget(document.uri);
    await connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    if (isPluginSource(document.uri)) await pluginChanged(uriToPath(document.uri), null);
    else if (isPackageJson(uriToPath(document.uri))) await packages.closed(uriToPath(document.uri));
  });

  connection.onDidChangeWatchedFiles(async ({ changes }) => {
    await ready;
    // Open or not, the disk changed: aether.config.json and package.json are read from it, and a
    // plugin's attestation covers its files there (an open plugin source keeps its editor text). One
    // batch (a build, a checkout) rediscovers a folder at most once.
    if ((await indexes.filesChanged(changes.map((change) => uriToPath(change.uri)))).length > 0) revalidateAll();
  });

  const withDocument = <T>(uri: string, token: CancellationToken, empty: T, run: (document: TextDocument) => T) =>
    unlessCancelled(token, () => {
      const document = documents.get(uri);
      return document ? run(document) : empty;
    });

  connection.onCompletion(({ textDocument, position }, token) =>
    withDocument(textDocument.uri, token, null, (d) => service.doComplete(d, position, token, { checking: checking(d.uri) })),
  );
  connection.onHover(({ textDocument, position }, token) =>
    withDocument(textDocument.uri, token, null, (d) => service.doHover(d, position, { checking: checking(d.uri) })),
  );
  connection.onDefinition(({ textDocument, position }, token) =>
    withDocument(textDocument.uri, token, [], (d) => service.findDefinition(d, position, token)),
  );
  connection.onReferences(({ textDocument, position, context }, token) =>
    withDocument(textDocument.uri, token, [], (d) => service.findReferences(d, position, context.includeDeclaration, token)),
  );
  connection.onRenameRequest(({ textDocument, position, newName }, token) =>
    withDocument(textDocument.uri, token, null, (d) => service.doRename(d, position, newName, token)),
  );
  connection.onDocumentSymbol(({ textDocument }, token) =>
    withDocument(textDocument.uri, token, [], (d) => service.findDocumentSymbols(d)),
  );
  connection.onFoldingRanges(({ textDocument }, token) => withDocument(textDocument.uri, token, [], (d) => service.getFoldingRanges(d)));
  connection.onCodeAction(({ textDocument, range, context }, token) =>
    withDocument(textDocument.uri, token, [], (d) => service.getCodeActions(d, range, context.diagnostics)),
  );
  connection.onRequest(LoadOrderRequest.type, async (params) => {
    await ready;
    return service.getLoadOrder(params.uri);
  });

  function logError(error: unknown): void {
    connection.console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }

  documents.listen(connection);
  connection.listen();
}
