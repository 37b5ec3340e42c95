// The AetherScript language service: a pure library of feature methods over in-memory documents, in
// the shape of vscode-css-languageservice. It works in offsets and returns LSP types only as results;
// no LSP connection here (server.ts is the adapter), and no I/O except through the injected index.
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DiagnosticSeverity,
  type CodeAction,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type FoldingRange,
  type Hover,
  type Location,
  type LocationLink,
  type Position,
  type Range,
  type WorkspaceEdit,
} from 'vscode-languageserver-types';
import type { AetherDiagnostic, Severity } from '../../../runtime/src/model/diagnostics';
import { getCodeActions } from './codeActions';
import { doComplete } from './completion';
import { doHover } from './hover';
import { hoverPluginSource } from './pluginHover';
import { getLoadOrder, type LoadOrderResult } from './loadOrder';
import { findDefinition, findDocumentSymbols, findReferences, doRename, getFoldingRanges } from './navigation';
import type { ValidationOptions } from '../../../runtime/src/workspace/pipelineDiagnostics';
import { analysePipeline, dropSourceTokens, RequestCancelled, type Cancellation, type PipelineDocument } from './pipelineDocument';
import { incrementalState, updateIncrementally, type IncrementalState } from './incrementalPipeline';
import { LineIndex } from '../../../runtime/src/workspace/text';
import { parsePipeline, type ParsedPipeline } from '../../../runtime/src/pipeline';
import { completePluginSource } from './pluginCompletion';
import { completePluginTestFile, pluginTestFileKind, validatePluginTestFile } from './pluginTestFiles';
import type { ReadBenchFigures } from './benchFigures';
import { isPackageJson, validatePluginPackageJson } from '../../../runtime/src/workspace/pluginPackage';
import { emptyIndex, pluginFileDiagnostics, type WorkspaceIndex } from '../../../runtime/src/workspace/workspaceIndex';

export interface LanguageServiceOptions {
  /** The index of the workspace folder that holds `uri`, if any. */
  getIndex(uri: string): WorkspaceIndex | undefined;
  /** Every folder's index, for requests not tied to a document. */
  getIndexes?(): WorkspaceIndex[];
  /** Re-validate only the edited step where possible (default true; false always re-parses, for tests). */
  incremental?: boolean;
  /** A plugin folder's benchmark figures for the hover (the server injects `nodeBenchFigures`; none by default). */
  readBenchFigures?: ReadBenchFigures;
}

/** Per-document settings (pulled from the client per document by the server). */
export type LanguageSettings = ValidationOptions;

export interface AetherLanguageService {
  /** Pipeline files and plugin entry files of an index. */
  doValidation(document: TextDocument, settings?: LanguageSettings): Diagnostic[];
  doComplete(document: TextDocument, position: Position, token?: Cancellation): CompletionList;
  doHover(document: TextDocument, position: Position): Hover | null;
  findDefinition(document: TextDocument, position: Position, token?: Cancellation): LocationLink[];
  findReferences(document: TextDocument, position: Position, includeDeclaration?: boolean, token?: Cancellation): Location[];
  doRename(document: TextDocument, position: Position, newName: string, token?: Cancellation): WorkspaceEdit | null;
  findDocumentSymbols(document: TextDocument): DocumentSymbol[];
  getFoldingRanges(document: TextDocument): FoldingRange[];
  getCodeActions(document: TextDocument, range: Range, diagnostics: Diagnostic[]): CodeAction[];
  /** Load order per workspace folder (one folder when `folderOrFileUri` is given). */
  getLoadOrder(folderOrFileUri?: string): LoadOrderResult[];
  /** Frees what the cached analyses no longer need (parser tokens); for when the server is idle. */
  compact(): void;
  /**
   * Parses a pipeline's text ahead of its check: the parse (YAML, schema, expressions) depends on the
   * text only, so the server runs it while the workspace index is still being built instead of after.
   * The next check of that same text uses it, once; anything else ignores it.
   */
  prepare(document: TextDocument): void;
  /** Whether the document's last analysis re-parsed the whole text (not only an edited step). */
  lastAnalysisWasFull(uri: string): boolean;
  /** Drops cached analysis of a closed document. */
  forget(uri: string): void;
}

import { isPipelineFile as isPipelineUri } from '../../../runtime/src/pipeline/pipelineFile';

export { isPipelineUri };

export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return uri;
    }
  }
  return uri;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/**
 * Pipelines larger than this are not analysed in the editor: parsing a 10 MB YAML file into a tree takes
 * seconds and hundreds of MB, for every edit. Such a file gets one warning (at its start) that says so,
 * every feature answers empty, and the cost is one length check: bounded time and memory whatever the
 * size. `aether validate` still checks it in full. Alias bombs are bounded separately: aliases expand
 * to at most 100 nodes (the runtime's limit), and every walk visits an aliased node once.
 */
export const MAX_ANALYSED_LENGTH = 4 * 1024 * 1024;

/**
 * Diagnostics published per document at most: one broken line can make the YAML parser report an
 * error per token after it (a 1,000-step file gave 26,182), and every one of them is serialized, sent
 * and kept by the client on each edit. Past the cap one more diagnostic says how many were left out.
 */
export const MAX_DIAGNOSTICS = 1000;

/** The first MAX_DIAGNOSTICS of `all`, and one that counts the rest, placed where the rest begins. */
function capped(all: Diagnostic[]): Diagnostic[] {
  if (all.length <= MAX_DIAGNOSTICS) return all;
  const rest = all.length - MAX_DIAGNOSTICS;
  const firstLeftOut = all[MAX_DIAGNOSTICS]!;
  return [
    ...all.slice(0, MAX_DIAGNOSTICS),
    {
      range: firstLeftOut.range,
      severity: DiagnosticSeverity.Warning,
      code: 'pipeline/too-many-diagnostics',
      source: 'aether',
      message: `${rest} more problem${rest === 1 ? '' : 's'} from here on ${rest === 1 ? 'is' : 'are'} not shown: the editor shows the first ${MAX_DIAGNOSTICS} of a file. Fix the ones above (often one early mistake causes the rest), or run \`aether validate\` for the full list.`,
    },
  ];
}

function toDiagnostic(lines: LineIndex, d: AetherDiagnostic): Diagnostic {
  const start = d.range?.start ?? 0;
  const end = d.range?.end ?? start;
  return {
    range: { start: lines.positionAt(start), end: lines.positionAt(end) },
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'aether',
    message: d.message,
  };
}

/** LSP diagnostics of `text` from what a check found in it (offset ranges), e.g. a package.json that is not open. */
export function toLspDiagnostics(text: string, found: readonly AetherDiagnostic[]): Diagnostic[] {
  if (found.length === 0) return [];
  const lines = new LineIndex(text);
  return found.map((d) => toDiagnostic(lines, d));
}

export function getLanguageService(options: LanguageServiceOptions): AetherLanguageService {
  /** `incremental`: undefined until the first edit asks for it (computing it is not on the didOpen path). */
  const cache = new Map<
    string,
    { key: string; version: number; doc: PipelineDocument; incremental?: IncrementalState | null; full: boolean; compacted?: boolean }
  >();
  /** Parses done ahead by `prepare`, per document, each taken by the next full analysis of its text. */
  const preparsed = new Map<string, ParsedPipeline>();
  const fallback = emptyIndex();
  // Settings are pulled per document; remembered only so that features agree with the last validation.
  const lastSettings = new Map<string, LanguageSettings>();

  const indexFor = (uri: string): WorkspaceIndex => options.getIndex(uri) ?? fallback;

  /**
   * The analysed pipeline for this document version and index version, computed once. A new version
   * under the same index and settings is first tried incrementally (only the edited step re-parsed);
   * anything else, or an edit the incremental path cannot vouch for, re-parses the whole text.
   */
  const analysed = (document: TextDocument, settings?: LanguageSettings): PipelineDocument => {
    if (settings) lastSettings.set(document.uri, settings);
    const effective = settings ?? lastSettings.get(document.uri) ?? {};
    const index = indexFor(document.uri);
    const key = `${index.root}|${index.version}|${JSON.stringify(effective)}`;
    const cached = cache.get(document.uri);
    if (cached && cached.key === key && cached.version === document.version) return cached.doc;
    const text = document.getText();
    if (cached && cached.key === key && options.incremental !== false) {
      if (cached.incremental === undefined) cached.incremental = incrementalState(cached.doc) ?? null;
    }
    if (cached && cached.key === key && cached.incremental && options.incremental !== false) {
      const next = updateIncrementally(cached.doc, cached.incremental, text, document.version, index, effective);
      if (next) {
        // The tree is the same (updated in place), so it stays compacted if it was.
        cache.set(document.uri, { ...cached, version: document.version, doc: next.doc, incremental: next.state, full: false });
        return next.doc;
      }
    }
    const ahead = preparsed.get(document.uri);
    preparsed.delete(document.uri);
    const doc = analysePipeline(
      text,
      document.uri,
      uriToPath(document.uri),
      document.version,
      index,
      effective,
      ahead?.text === text ? ahead : undefined,
    );
    cache.set(document.uri, { key, version: document.version, doc, full: true });
    return doc;
  };

  /** Runs a pipeline feature; a cancelled request (RequestCancelled from a long loop) answers `empty`. */
  const pipelineOnly = <T>(document: TextDocument, empty: T, run: (doc: PipelineDocument) => T, token?: Cancellation): T => {
    if (!isPipelineUri(document.uri) || token?.isCancellationRequested || document.getText().length > MAX_ANALYSED_LENGTH) return empty;
    try {
      return run(analysed(document));
    } catch (error) {
      if (error instanceof RequestCancelled) return empty;
      throw error;
    }
  };

  /** Every diagnostic of a document, uncapped. */
  const validate = (document: TextDocument, settings?: LanguageSettings): Diagnostic[] => {
    if (isPipelineUri(document.uri)) {
      const length = document.getText().length;
      if (length > MAX_ANALYSED_LENGTH) {
        const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
        return [
          {
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
            severity: DiagnosticSeverity.Warning,
            code: 'pipeline/too-large',
            source: 'aether',
            message: `This pipeline is ${mb(length)}, over the editor's ${mb(MAX_ANALYSED_LENGTH)} limit, so it is not checked as you type. Split it into smaller pipelines, or run \`aether validate\` on it.`,
          },
        ];
      }
      const doc = analysed(document, settings);
      return doc.diagnostics.map((d) => toDiagnostic(doc.lines, d));
    }
    const index = indexFor(document.uri);
    const path = uriToPath(document.uri);
    if (pluginTestFileKind(path)) {
      const text = document.getText();
      return validatePluginTestFile(text, path, index).map((d) => toDiagnostic(new LineIndex(text), d));
    }
    if (isPackageJson(path))
      return validatePluginPackageJson(document.getText(), path, index).map((d) => toDiagnostic(new LineIndex(document.getText()), d));
    const plugin = index.pluginAt(path);
    if (!plugin) return [];
    return pluginFileDiagnostics(plugin).map((d) => toDiagnostic(plugin.source.lineIndex, d));
  };

  return {
    doValidation: (document, settings) => capped(validate(document, settings)),
    doComplete: (document, position, token) =>
      /\.(?:[cm]?[jt]s)$/.test(document.uri)
        ? completePluginSource(document.getText(), uriToPath(document.uri), document.offsetAt(position))
        : pluginTestFileKind(uriToPath(document.uri))
          ? completePluginTestFile(
              document.getText(),
              uriToPath(document.uri),
              document.offsetAt(position),
              new LineIndex(document.getText()),
              indexFor(document.uri),
            )
          : pipelineOnly(document, { isIncomplete: false, items: [] }, (doc) => doComplete(doc, doc.lines.offsetAt(position)), token),
    doHover(document, position) {
      if (isPipelineUri(document.uri)) return pipelineOnly(document, null, (doc) => doHover(doc, doc.lines.offsetAt(position)));
      const plugin = indexFor(document.uri).pluginAt(uriToPath(document.uri));
      if (!plugin) return null;
      const figures = () => options.readBenchFigures?.(plugin.candidate.dir);
      return hoverPluginSource(plugin.source, plugin.source.lineIndex.offsetAt(position), figures);
    },
    findDefinition: (document, position, token) =>
      pipelineOnly(document, [], (doc) => findDefinition(doc, doc.lines.offsetAt(position), token), token),
    findReferences: (document, position, includeDeclaration = true, token) =>
      pipelineOnly(document, [], (doc) => findReferences(doc, doc.lines.offsetAt(position), includeDeclaration, token), token),
    doRename: (document, position, newName, token) =>
      pipelineOnly(document, null, (doc) => doRename(doc, doc.lines.offsetAt(position), newName, token), token),
    findDocumentSymbols: (document) => pipelineOnly(document, [], (doc) => findDocumentSymbols(doc)),
    getFoldingRanges: (document) => pipelineOnly(document, [], (doc) => getFoldingRanges(doc)),
    getCodeActions: (document, _range, diagnostics) =>
      pipelineOnly(document, [], (doc) =>
        getCodeActions(
          doc,
          diagnostics.filter((d) => d.source === 'aether'),
        ),
      ),
    getLoadOrder(folderOrFileUri) {
      if (folderOrFileUri !== undefined) {
        const index = options.getIndex(folderOrFileUri);
        return index ? [getLoadOrder(index)] : [];
      }
      return (options.getIndexes?.() ?? []).map(getLoadOrder);
    },
    compact() {
      for (const entry of cache.values()) {
        if (entry.compacted) continue;
        dropSourceTokens(entry.doc.parsed.document.contents);
        entry.compacted = true;
      }
    },
    prepare(document) {
      const text = document.getText();
      if (!isPipelineUri(document.uri) || text.length > MAX_ANALYSED_LENGTH) return;
      if (cache.get(document.uri)?.version === document.version || preparsed.get(document.uri)?.text === text) return;
      preparsed.set(document.uri, parsePipeline(text, uriToPath(document.uri)));
    },
    lastAnalysisWasFull: (uri) => cache.get(uri)?.full ?? false,
    forget(uri) {
      cache.delete(uri);
      preparsed.delete(uri);
      lastSettings.delete(uri);
    },
  };
}
