// The LSP adapter: a connection (stdio or node-ipc, chosen by the command line), open documents, the
// workspace indexes kept current by file watching, and handlers that fetch the document and delegate to
// the language service in a few lines. Settings are pulled per document, never kept here.
import { spawnParserThread } from './parserThread';
import {
  type CancellationToken,
  createConnection,
  LSPErrorCodes,
  ResponseError,
  DidChangeWatchedFilesNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { nodeWorkspaceOptions } from '../../runtime/src/workspace/nodeWorkspace';
import { LoadOrderRequest } from './protocol';
import { pathToFileURL } from 'node:url';
import { nodeFileSystem } from '../../runtime/src/workspace/nodeFileSystem';
import { getLanguageService, isPipelineUri, toLspDiagnostics, uriToPath, type LanguageSettings } from './service/languageService';
import { isPackageJson, validatePluginPackageJson } from '../../runtime/src/workspace/pluginPackage';
import { WorkspaceIndexes } from '../../runtime/src/workspace/workspaceIndex';
import { nodeBenchFigures } from './nodeBenchFigures';
import { PluginSourceWorker, servePluginSources } from './pluginSourceWorker';
import { validatePluginSource } from '../../runtime/src/workspace/pluginSource';

// The same bundle runs as the server and, in a worker thread, as its plugin source parser.
if (isMainThread) serve();
else servePluginSources();

function serve(): void {
  const connection: Connection = createConnection(ProposedFeatures.all);

  /**
   * Memory: a full parse of a large pipeline (a 30,000-line file) allocates several times what the tree it
   * leaves behind needs, and V8 keeps that garbage's pages for a long while. Once such a parse is
   * published and the server is idle, one full collection gives them back (the server stays under
   * 200 MB RSS with that file open). `gc` is exposed for this alone.
   */
  setFlagsFromString('--expose-gc');
  // Not `--max-semi-space-size` here: the young generation is sized when the heap is made, so setting
  // it now changes nothing (measured: 32 MB of new space either way). Only a command-line flag can.
  const collectGarbage = runInNewContext('gc') as (() => void) | undefined;
  const LARGE_DOCUMENT = 512 * 1024;
  let collectTimer: NodeJS.Timeout | undefined;
  /** A full parse of a large document happened since the last collection. */
  let collectionOwed = false;
  function collectWhenIdle(): void {
    if (!collectGarbage || !collectionOwed) return;
    clearTimeout(collectTimer);
    collectTimer = setTimeout(() => {
      collectionOwed = false;
      service.compact();
      // A plain full collection frees the garbage but leaves the survivors spread over pages it then
      // keeps (with the bench's file, 25 MB live in up to 50 MB of old space); compacting this one
      // collection moves them together, so those pages go back to the system.
      setFlagsFromString('--compact-on-every-full-gc');
      try {
        collectGarbage();
      } finally {
        setFlagsFromString('--no-compact-on-every-full-gc');
      }
      const { rss, heapUsed } = process.memoryUsage();
      connection.console.log(`idle: compacted; ${Math.round(rss / 2 ** 20)} MB RSS, ${Math.round(heapUsed / 2 ** 20)} MB heap`);
    }, 1000);
  }
  const documents = new TextDocuments(TextDocument);
  // Plugin sources are parsed in a worker that ends when idle, so TypeScript is never loaded here while
  // only pipelines are open. Should the worker fail, this thread parses (same result, more memory).
  const sourceParser = new PluginSourceWorker(spawnParserThread, 1000);
  // The workspace is indexed as soon as the client initializes: keep the thread started at load until then.
  sourceParser.prepare();
  // The synced `aether.plugins` list and `aether.trust` apply here as in a run (files read, never executed).
  const indexes = new WorkspaceIndexes({
    ...nodeWorkspaceOptions,
    readSource: (text, file, location) =>
      sourceParser.validate(text, file, location).catch((error: unknown) => {
        logError(error);
        return validatePluginSource(text, file, location);
      }),
  });
  const service = getLanguageService({
    getIndex: (uri) => indexes.forFile(uriToPath(uri)),
    getIndexes: () => indexes.all,
    readBenchFigures: nodeBenchFigures,
  });

  let canPullConfiguration = false;
  let canWatchFiles = false;
  /** Only a client that has workspace folders may be asked for their change events (registering otherwise throws). */
  let hasWorkspaceFolders = false;
  let initialFolders: string[] = [];
  /** Resolves once every workspace folder has been indexed; requests wait for it. */
  let ready: Promise<void> = Promise.resolve();

  connection.onInitialize((params): InitializeResult => {
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    hasWorkspaceFolders = params.capabilities.workspace?.workspaceFolders === true;
    initialFolders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri));
    // Clients without workspace folders name one root (rootPath is the deprecated form of rootUri).
    if (initialFolders.length === 0 && params.rootUri) initialFolders = [uriToPath(params.rootUri)];
    if (initialFolders.length === 0 && params.rootPath) initialFolders = [params.rootPath];
    ready = Promise.all(initialFolders.map((folder) => indexes.addFolder(folder))).then(() => undefined, logError);
    return {
      capabilities: {
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
      },
      serverInfo: { name: 'aether-language-server' },
    };
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

  /**
   * `aether.*` settings for one document, when the client offers them: pulled once per document (not per
   * keystroke: a round trip per edit is latency the user feels) and pulled again after a configuration change.
   */
  const documentSettings = new Map<string, Promise<LanguageSettings>>();
  function settingsFor(uri: string): Promise<LanguageSettings> {
    if (!canPullConfiguration) return Promise.resolve({});
    let settings = documentSettings.get(uri);
    if (!settings) {
      settings = connection.workspace.getConfiguration({ scopeUri: uri, section: 'aether' }).then(
        (config: { diagnostics?: { severity?: LanguageSettings['severities'] } } | null) => ({
          severities: config?.diagnostics?.severity ?? {},
        }),
        () => ({}),
      );
      documentSettings.set(uri, settings);
    }
    return settings;
  }

  connection.onDidChangeConfiguration(() => {
    documentSettings.clear();
    revalidateAll();
  });

  async function validate(document: TextDocument): Promise<void> {
    clearTimeout(collectTimer); // busy again: collect later, when idle
    try {
      await ready;
      const settings = await settingsFor(document.uri);
      // The document may have changed while settings were fetched; the newer validation will publish.
      if (documents.get(document.uri)?.version !== document.version) return;
      const diagnostics = service.doValidation(document, settings);
      await connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
      if (document.getText().length > LARGE_DOCUMENT && service.lastAnalysisWasFull(document.uri)) collectionOwed = true;
      collectWhenIdle();
    } catch (error) {
      logError(error);
    }
  }

  /**
   * Edits are coalesced: a document is checked once its changes stop arriving for VALIDATION_DELAY_MS,
   * and then at its latest version. The connection hands over one message per turn of the event loop,
   * so without this a burst of changes queued behind a long check was checked (and published) once per
   * version, each already stale. The delay is short against the time a check takes.
   */
  const VALIDATION_DELAY_MS = 5;
  const pendingValidations = new Map<string, NodeJS.Timeout>();
  function scheduleValidation(uri: string): void {
    clearTimeout(pendingValidations.get(uri));
    pendingValidations.set(
      uri,
      setTimeout(() => {
        pendingValidations.delete(uri);
        const document = documents.get(uri);
        if (document) void validate(document);
      }, VALIDATION_DELAY_MS),
    );
  }

  function revalidateAll(): void {
    for (const document of documents.all()) scheduleValidation(document.uri);
    void publishPackageDiagnostics();
  }

  /**
   * The package.json of every plugin, open or not (VS Code does not send JSON files to this server),
   * gets its diagnostics: checked again when a folder's plugins are rediscovered, not on every change.
   * Per folder: the discovery last published and the files that got diagnostics then.
   */
  const packagesPublished = new Map<string, { discoveryVersion: number; uris: Set<string> }>();
  let packagesQueue: Promise<void> = Promise.resolve();
  function publishPackageDiagnostics(): Promise<void> {
    packagesQueue = packagesQueue.then(publishPackagesNow).catch(logError);
    return packagesQueue;
  }
  async function publishPackagesNow(): Promise<void> {
    await ready;
    const clear = async (uris: Iterable<string>, keep: Set<string>) => {
      for (const uri of uris) if (!keep.has(uri) && !documents.get(uri)) await connection.sendDiagnostics({ uri, diagnostics: [] });
    };
    const current = new Map(indexes.all.map((index) => [index.root, index]));
    for (const [root, last] of packagesPublished) {
      if (current.has(root)) continue;
      packagesPublished.delete(root); // a folder removed from the workspace
      await clear(last.uris, new Set());
    }
    for (const index of current.values()) {
      const last = packagesPublished.get(index.root);
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
      packagesPublished.set(index.root, { discoveryVersion, uris });
    }
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
    else if (isPipelineUri(document.uri) || isPackageJson(uriToPath(document.uri))) scheduleValidation(document.uri);
  });

  documents.onDidClose(async ({ document }) => {
    clearTimeout(pendingValidations.get(document.uri));
    pendingValidations.delete(document.uri);
    service.forget(document.uri);
    documentSettings.delete(document.uri);
    await connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    if (isPluginSource(document.uri)) await pluginChanged(uriToPath(document.uri), null);
    else if (isPackageJson(uriToPath(document.uri))) {
      // Closed, it is checked from the disk again, with the rest of its folder's plugin packages.
      const index = indexes.forFile(uriToPath(document.uri));
      const last = index && packagesPublished.get(index.root);
      if (last) last.discoveryVersion = -1;
      await publishPackageDiagnostics();
    }
  });

  connection.onDidChangeWatchedFiles(async ({ changes }) => {
    await ready;
    // Open or not, the disk changed: aether.config.json and package.json are read from it, and a
    // plugin's attestation covers its files there (an open plugin source keeps its editor text). One
    // batch (a build, a checkout) rediscovers a folder at most once.
    if ((await indexes.filesChanged(changes.map((change) => uriToPath(change.uri)))).length > 0) revalidateAll();
  });

  /**
   * Runs a feature on an open document unless the request was cancelled: a cancellation that arrives while
   * the request waits behind others (an edit's validation, say) is honoured before any work; one that
   * arrives during the work (the service checks the token in its loops over steps and expressions) drops
   * the result. Either way the client gets RequestCancelled.
   */
  const withDocument = <T>(
    uri: string,
    token: CancellationToken,
    empty: T,
    run: (document: TextDocument) => T,
  ): T | ResponseError<void> => {
    const cancelled = () => new ResponseError<void>(LSPErrorCodes.RequestCancelled, 'request cancelled');
    if (token.isCancellationRequested) return cancelled();
    const document = documents.get(uri);
    const result = document ? run(document) : empty;
    return token.isCancellationRequested ? cancelled() : result;
  };

  connection.onCompletion(({ textDocument, position }, token) =>
    withDocument(textDocument.uri, token, null, (d) => service.doComplete(d, position, token)),
  );
  connection.onHover(({ textDocument, position }, token) =>
    withDocument(textDocument.uri, token, null, (d) => service.doHover(d, position)),
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
