// Machine formats of `aether validate` for CI: GitHub Actions workflow commands (annotations on the
// pull request's diff) and SARIF 2.1.0 (code scanning, and any other SARIF viewer). Both carry the
// same diagnostics the terminal output prints, with end positions computed from the files' text.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AetherDiagnostic, Severity } from '../model/diagnostics';
import type { FileDiagnostics } from '../workspace/validateFiles';
import { RUNTIME_VERSION } from '../version';

export type ValidateFormat = 'text' | 'json' | 'github' | 'sarif';
export const VALIDATE_FORMATS: readonly ValidateFormat[] = ['text', 'json', 'github', 'sarif'];

/** 1-based line and column of both ends of a diagnostic's range, or undefined without one. */
interface Span {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

/** Turns offsets into lines and columns for one file, reading it once (a missing file gives no ends). */
class LineTable {
  private readonly starts: number[] | undefined;

  constructor(file: string) {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      text = undefined;
    }
    if (text === undefined) return;
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \r\n, \n and a lone \r each end a line, as the language server counts them.
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
    }
    this.starts = starts;
  }

  span(diagnostic: AetherDiagnostic): Span | undefined {
    const range = diagnostic.range;
    if (!range) return undefined;
    const end = this.position(range.end);
    return {
      startLine: range.line,
      startColumn: range.column,
      // Without the text, the start stands for the end.
      endLine: end?.line ?? range.line,
      endColumn: end?.column ?? range.column,
    };
  }

  private position(offset: number): { line: number; column: number } | undefined {
    const starts = this.starts;
    if (!starts) return undefined;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  }
}

function* located(results: FileDiagnostics[]): Generator<{ diagnostic: AetherDiagnostic; file: string; span?: Span }> {
  for (const result of results) {
    const tables = new Map<string, LineTable>();
    for (const diagnostic of result.diagnostics) {
      const file = diagnostic.file ?? result.file;
      let table = tables.get(file);
      if (!table) tables.set(file, (table = new LineTable(file)));
      yield { diagnostic, file, span: table.span(diagnostic) };
    }
  }
}

// ── GitHub Actions ────────────────────────────────────────────────────────────────────────────────

const GITHUB_COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

/** Workflow-command escaping: data escapes %, CR and LF; property values also `:` and `,`. */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * One `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` line per diagnostic
 * (`::notice` for information), paths relative to `cwd` (the workspace checkout in a workflow).
 */
export function githubAnnotations(results: FileDiagnostics[], cwd = process.cwd()): string[] {
  const lines: string[] = [];
  for (const { diagnostic, file, span } of located(results)) {
    const properties = [`file=${escapeProperty(path.relative(cwd, file) || file)}`];
    if (span) {
      properties.push(`line=${span.startLine}`, `col=${span.startColumn}`, `endLine=${span.endLine}`);
      // GitHub takes endColumn only on a one-line annotation.
      if (span.endLine === span.startLine) properties.push(`endColumn=${span.endColumn}`);
    }
    properties.push(`title=${escapeProperty(`aether ${diagnostic.code}`)}`);
    lines.push(`::${GITHUB_COMMAND[diagnostic.severity]} ${properties.join(',')}::${escapeData(diagnostic.message)}`);
  }
  return lines;
}

// ── SARIF 2.1.0 ───────────────────────────────────────────────────────────────────────────────────

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * A SARIF 2.1.0 log with one run of the `aether` tool: a rule per diagnostic code, a result per
 * diagnostic, artifact locations relative to `cwd` (as `%SRCROOT%`), so code scanning maps them to the
 * repository's files.
 */
export function sarifLog(results: FileDiagnostics[], cwd = process.cwd()): Record<string, unknown> {
  const rules: { id: string; shortDescription: { text: string } }[] = [];
  const ruleIndex = new Map<string, number>();
  const sarifResults: Record<string, unknown>[] = [];
  for (const { diagnostic, file, span } of located(results)) {
    let index = ruleIndex.get(diagnostic.code);
    if (index === undefined) {
      index = rules.length;
      ruleIndex.set(diagnostic.code, index);
      rules.push({ id: diagnostic.code, shortDescription: { text: `AetherScript check ${diagnostic.code}` } });
    }
    const relative = path.relative(cwd, file);
    const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
    const artifactLocation = inside
      ? { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' }
      : { uri: pathToFileURL(file).href };
    sarifResults.push({
      ruleId: diagnostic.code,
      ruleIndex: index,
      level: SARIF_LEVEL[diagnostic.severity],
      message: { text: diagnostic.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation,
            ...(span
              ? {
                  region: {
                    startLine: span.startLine,
                    startColumn: span.startColumn,
                    endLine: span.endLine,
                    endColumn: span.endColumn,
                  },
                }
              : {}),
          },
        },
      ],
      ...(diagnostic.plugin ? { properties: { plugin: diagnostic.plugin } } : {}),
    });
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'aether',
            fullName: 'AetherScript validate',
            version: RUNTIME_VERSION,
            informationUri: 'https://plugins.aetherscript.io',
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileURL(cwd).href.replace(/\/?$/, '/')}` } },
        results: sarifResults,
      },
    ],
  };
}
