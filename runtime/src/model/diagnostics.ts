// One diagnostic shape for the runtime, the CLI (`aether validate`) and the language server.
// Positions are kept as offsets and 1-based line/column so every consumer can convert at its edge.

export type Severity = 'error' | 'warning' | 'info';

export interface SourceRange {
  /** 0-based offsets into the file's text. */
  start: number;
  end: number;
  /** 1-based line and column of `start`, for people. */
  line: number;
  column: number;
}

export interface AetherDiagnostic {
  /** Stable rule id, e.g. `pipeline/unknown-command`. */
  code: string;
  severity: Severity;
  /** What is wrong and what to do about it. */
  message: string;
  file?: string;
  range?: SourceRange;
  /** The plugin involved, when there is one. */
  plugin?: string;
}

/** An error that carries diagnostics; the CLI maps it to exit code 2 (invalid input). */
export class AetherInputError extends Error {
  constructor(
    message: string,
    readonly diagnostics: AetherDiagnostic[] = [],
  ) {
    super(message);
    this.name = 'AetherInputError';
  }
}

/** `file:line:col` for messages, or just the file when the position is unknown. */
export function formatLocation(file: string | undefined, range: SourceRange | undefined): string {
  if (!file) return '';
  return range ? `${file}:${range.line}:${range.column}` : file;
}
