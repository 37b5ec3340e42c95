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
import { commonEnds, incrementalState, updateIncrementally, type IncrementalState } from './incrementalPipeline';
import { LineIndex } from '../../../runtime/src/workspace/text';
import { parsePipeline, type ParsedPipeline } from '../../../runtime/src/pipeline';
import { yamlSource } from '../../../runtime/src/pipeline/parse';
import { parseTokensSliced } from '../../../runtime/src/pipeline/yamlDocument';
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

/** How hover and completion may get the analysis they answer from. */
export interface FeatureOptions {
  /**
   * A check of the document is pending (the server's queue) or under way: answer from what is analysed
   * already, or with nothing, rather than parse the whole text in the request.
   */
  checking?: boolean;
}

/** Per-document settings (pulled from the client per document by the server). */
export type LanguageSettings = ValidationOptions;

export interface AetherLanguageService {
  /** Pipeline files and plugin entry files of an index. */
  doValidation(document: TextDocument, settings?: LanguageSettings): Diagnostic[];
  doComplete(document: TextDocument, position: Position, token?: Cancellation, options?: FeatureOptions): CompletionList;
  doHover(document: TextDocument, position: Position, options?: FeatureOptions): Hover | null;
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
  /** As `prepare`, the parse made a slice at a time (`parseTokensSliced`): requests are answered between slices. */
  prepareSliced(document: TextDocument): Promise<void>;
  /**
   * As `doValidation`, with a whole-text parse (when one is needed) made a slice at a time, so that hover
   * and completion are answered meanwhile (from the last analysis: see FeatureOptions). Undefined when
   * the document changed before the check finished: the check of its newer version publishes.
   */
  validateSliced(document: TextDocument, settings?: LanguageSettings): Promise<Diagnostic[] | undefined>;
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
 * Up to this length a hover or completion that finds no analysis to answer from analyses the text in
 * the request (64 KB, about 2,500 lines: a few milliseconds); a longer text answers from its check.
 */
const ANALYSE_IN_REQUEST_LENGTH = 64 * 1024;

/**
 * Diagnostics published per document at most: one broken line can make the YAML parser report an
 * error per token after it (a 1,000-step file gave 26,182), and every one of them is serialized, sent
 * and kept by the client on each edit. Past the cap one more diagnostic says how many were left out.
 */
export const MAX_DIAGNOSTICS = 1000;

/**
 * The MAX_DIAGNOSTICS most severe of `all` (errors, then warnings, information and hints; in file order
 * within each), in file order, and one that counts the rest, placed where the first left out is: an
 * error far down must not be hidden behind a thousand hints above it.
 */
function capped(all: Diagnostic[]): Diagnostic[] {
  if (all.length <= MAX_DIAGNOSTICS) return all;
  const rank = (d: Diagnostic) => d.severity ?? DiagnosticSeverity.Error;
  const byImportance = all.map((_, i) => i).sort((a, b) => rank(all[a]!) - rank(all[b]!) || a - b);
  const kept = new Set(byImportance.slice(0, MAX_DIAGNOSTICS));
  const rest = all.length - MAX_DIAGNOSTICS;
  const firstLeftOut = all.find((_, i) => !kept.has(i))!;
  const more = rest === 1 ? '1 more problem is' : `${rest} more problems are`;
  return [
    ...all.filter((_, i) => kept.has(i)),
    {
      range: firstLeftOut.range,
      severity: DiagnosticSeverity.Warning,
      code: 'pipeline/too-many-diagnostics',
      source: 'aether',
      message: `${more} not shown, the first here: the editor shows ${MAX_DIAGNOSTICS} of a file's problems, the most severe first. Fix the ones shown (often one early mistake causes the rest), or run \`aether validate\` for the full list.`,
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

/** Work of a sliced parse between two turns of the event loop, in ms: short against a request's budget. */
const SLICE_MS = 8;

/** Lets the event loop take what has arrived (requests) before the next slice. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A sliced parse of one text of a document (see `parseSliced`). */
interface SlicedParse {
  text: string;
  parsed: Promise<ParsedPipeline>;
}

/** A sliced parse stopped because a parse of a newer text of its document began. */
class Superseded extends Error {
  constructor() {
    super('superseded by a newer text of the document');
  }
}

const ignoreSuperseded = (error: unknown): undefined => {
  if (error instanceof Superseded) return undefined;
  throw error;
};

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
  const analysed = (document: TextDocument, settings?: LanguageSettings): PipelineDocument =>
    analysedCheaply(document, settings) ?? analysedFully(document, settings);

  /** The analysis when it is cached for this version or an incremental update gives it; undefined when only a whole-text parse can. */
  const analysedCheaply = (document: TextDocument, settings?: LanguageSettings): PipelineDocument | undefined => {
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
    return undefined;
  };

  /** The whole text parsed (or its parse from `prepare`) and checked, and cached. */
  const analysedFully = (document: TextDocument, settings?: LanguageSettings): PipelineDocument => {
    const effective = settings ?? lastSettings.get(document.uri) ?? {};
    const index = indexFor(document.uri);
    const key = `${index.root}|${index.version}|${JSON.stringify(effective)}`;
    const text = document.getText();
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

  /** Documents whose sliced check (`validateSliced`) is under way. */
  const checking = new Map<string, number>();
  /** The sliced parse under way per document: a second check of the same text waits for it instead of parsing again. */
  const slicing = new Map<string, SlicedParse>();

  /**
   * The parse of `text` a slice at a time, kept in `preparsed` for the next full analysis of that text.
   * A parse of another text of the document started meanwhile (the user typed on) supersedes this one:
   * it stops at its next pause and its promise rejects with `Superseded`, so a burst of keystrokes costs
   * one parse (the last), not one per keystroke running side by side, each holding a tree.
   */
  const parseSliced = (uri: string, text: string): Promise<ParsedPipeline> => {
    const running = slicing.get(uri);
    if (running?.text === text) return running.parsed;
    const entry: SlicedParse = { text, parsed: undefined as unknown as Promise<ParsedPipeline> };
    const pause = async (): Promise<void> => {
      await nextTurn();
      if (slicing.get(uri) !== entry) throw new Superseded();
    };
    const parsed = parseTokensSliced(yamlSource(text), SLICE_MS, pause).then((tokens) => {
      if (slicing.get(uri) !== entry) throw new Superseded();
      const result = parsePipeline(text, uriToPath(uri), tokens);
      preparsed.set(uri, result);
      return result;
    });
    entry.parsed = parsed;
    slicing.set(uri, entry);
    const done = () => {
      if (slicing.get(uri) === entry) slicing.delete(uri);
    };
    parsed.then(done, done);
    return parsed;
  };

  /**
   * The analysis hover and completion answer from, and the offset of `position` in its text. While a
   * check of the document is pending or under way (`checking`), never a whole-text parse here: that is
   * the check's work, and doing it in the request is what made requests wait behind checks. Then the
   * analysis of this version when it is cheap to have (cached, or an incremental update), else the last
   * analysis when the text has not changed before the position (the same offset in both texts), else none.
   */
  const featureAnalysis = (
    document: TextDocument,
    position: Position,
    busy: boolean,
  ): { doc: PipelineDocument; offset: number } | undefined => {
    if (!busy && !checking.has(document.uri)) {
      const doc = analysed(document);
      return { doc, offset: doc.lines.offsetAt(position) };
    }
    const current = analysedCheaply(document);
    if (current) return { doc: current, offset: current.lines.offsetAt(position) };
    const last = cache.get(document.uri)?.doc;
    if (last) {
      const offset = last.lines.offsetAt(position);
      if (offset < commonEnds(last.parsed.text, document.getText()).prefix) return { doc: last, offset };
    }
    // A small document is analysed on the spot (a few milliseconds): completion straight after typing,
    // at the end of what was typed, must not come back empty. Only a large one waits for its check.
    if (document.getText().length <= ANALYSE_IN_REQUEST_LENGTH) {
      const doc = analysed(document);
      return { doc, offset: doc.lines.offsetAt(position) };
    }
    return undefined;
  };

  /** Hover or completion on a pipeline (see featureAnalysis); `empty` when there is nothing to answer from yet. */
  const pipelineFeature = <T>(
    document: TextDocument,
    position: Position,
    empty: T,
    busy: boolean,
    run: (doc: PipelineDocument, offset: number) => T,
    token?: Cancellation,
  ): T => {
    if (!isPipelineUri(document.uri) || token?.isCancellationRequested || document.getText().length > MAX_ANALYSED_LENGTH) return empty;
    try {
      const found = featureAnalysis(document, position, busy);
      return found ? run(found.doc, found.offset) : empty;
    } catch (error) {
      if (error instanceof RequestCancelled) return empty;
      throw error;
    }
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
    doComplete: (document, position, token, featureOptions) =>
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
          : // Nothing to complete from while the text is being checked: incomplete, so the client asks again.
            pipelineFeature(
              document,
              position,
              { isIncomplete: true, items: [] },
              featureOptions?.checking === true,
              (doc, offset) => doComplete(doc, offset),
              token,
            ),
    doHover(document, position, featureOptions) {
      if (isPipelineUri(document.uri)) {
        return pipelineFeature(document, position, null, featureOptions?.checking === true, (doc, offset) => doHover(doc, offset));
      }
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
    async prepareSliced(document) {
      const text = document.getText();
      if (!isPipelineUri(document.uri) || text.length > MAX_ANALYSED_LENGTH) return;
      if (cache.get(document.uri)?.version === document.version || preparsed.get(document.uri)?.text === text) return;
      await parseSliced(document.uri, text).catch(ignoreSuperseded);
    },
    async validateSliced(document, settings) {
      const uri = document.uri;
      const version = document.version;
      const text = document.getText();
      if (isPipelineUri(uri) && text.length <= MAX_ANALYSED_LENGTH && !analysedCheaply(document, settings)) {
        if (preparsed.get(uri)?.text !== text) {
          checking.set(uri, (checking.get(uri) ?? 0) + 1);
          try {
            // Superseded: a newer text's check is under way and will publish.
            if ((await parseSliced(uri, text).catch(ignoreSuperseded)) === undefined) return undefined;
            if (document.version !== version) return undefined;
          } finally {
            const left = (checking.get(uri) ?? 1) - 1;
            if (left > 0) checking.set(uri, left);
            else checking.delete(uri);
          }
        }
      }
      return document.version === version ? capped(validate(document, settings)) : undefined;
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
      slicing.delete(uri);
      lastSettings.delete(uri);
    },
  };
}
