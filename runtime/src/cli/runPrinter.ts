// Human output of `aether run`: one line per meaningful event, and on a TTY a live progress line
// for runs longer than a second.
import path from 'node:path';
import type { AetherEvent } from '../model/events';
import { formatDiagnostic, type Colors } from './terminal';

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function short(value: unknown, max = 100): string {
  const text = JSON.stringify(value);
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export class RunPrinter {
  private readonly running = new Map<string, number>();
  private started = 0;
  private progressTimer: ReturnType<typeof setInterval> | undefined;
  private progressShown = false;
  private stepsDone = 0;
  private anyStepStarted = false;
  /** Problems already printed (plugin errors), so the end of the run does not print them again. */
  private readonly shownProblems = new Set<string>();

  /** Whether this problem was already printed during the run. */
  shown(message: string): boolean {
    return this.shownProblems.has(message);
  }

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly colors: Colors,
    private readonly totalSteps: number,
    private readonly err: NodeJS.WriteStream = process.stderr,
    private readonly errColors: Colors = colors,
  ) {}

  private line(text: string): void {
    this.clearProgress();
    this.out.write(`${text}\n`);
  }

  /** A problem goes to stderr, as the CLI's contract says (the reason on stderr), still in order. */
  private problem(text: string): void {
    this.clearProgress();
    this.err.write(`${text}\n`);
  }

  private clearProgress(): void {
    if (this.progressShown) {
      this.out.write('\r\x1b[2K');
      this.progressShown = false;
    }
  }

  private drawProgress(): void {
    const elapsed = performance.now() - this.started;
    if (elapsed < 1000) return;
    const names = [...this.running.keys()].join(', ');
    const doing = names ? `running ${names}` : this.anyStepStarted ? 'running hooks' : 'loading plugins';
    const text = `${this.colors.cyan('…')} ${this.stepsDone}/${this.totalSteps} steps done, ${doing} ${this.colors.dim(`(${seconds(elapsed)})`)}`;
    this.out.write(`\r\x1b[2K${text.slice(0, (this.out.columns || 120) + 20)}`);
    this.progressShown = true;
  }

  handle(event: AetherEvent): void {
    const c = this.colors;
    switch (event.type) {
      case 'run-start':
        this.started = performance.now();
        this.line(
          `${c.bold(`▶ ${event.pipeline}`)} ${c.dim(`${path.relative(process.cwd(), event.file) || event.file} · run ${event.runId}`)}`,
        );
        if (event.debugLog) this.line(c.dim(`  debug trace: ${event.debugLog}`));
        if (this.out.isTTY) this.progressTimer = setInterval(() => this.drawProgress(), 100);
        this.progressTimer?.unref();
        return;
      case 'plugin-load':
        this.line(c.dim(`  plugin ${event.order + 1}. ${event.name}@${event.version} (${event.reason})`));
        return;
      case 'plugin-error':
        this.shownProblems.add(event.message);
        // As `aether validate` prints a diagnostic (place, severity, code), when the event is one.
        this.problem(
          event.code
            ? `  ${this.errColors.red('✗')} ${formatDiagnostic(
                {
                  code: event.code,
                  severity: 'error',
                  message: event.message,
                  file: event.file,
                  ...(event.line ? { range: { start: 0, end: 0, line: event.line, column: event.column ?? 1 } } : {}),
                },
                this.errColors,
              )}`
            : `${this.errColors.red('  ✗ plugin error')} ${locate(event)}${event.message}`,
        );
        return;
      case 'warning':
        this.line(`${c.yellow('  ! ')}${event.message}`);
        return;
      case 'step-start':
        this.anyStepStarted = true;
        this.running.set(event.stepId, performance.now());
        return;
      case 'step-end': {
        this.running.delete(event.stepId);
        this.stepsDone++;
        const via = event.plugin ? c.dim(` ${event.command} (${event.plugin})`) : '';
        if (event.status === 'ok') {
          this.line(
            `  ${c.green('✓')} ${event.stepId}${via} ${c.dim(seconds(event.durationMs))}${event.output !== undefined && event.output !== null ? c.dim(` → ${short(event.output)}`) : ''}`,
          );
        } else if (event.status === 'failed') {
          const note = event.continueOnError ? c.yellow(' (continue-on-error)') : '';
          this.line(
            `  ${c.red('✗')} ${event.stepId}${via} ${c.dim(seconds(event.durationMs))}${note}\n    ${c.red(event.error ?? 'failed')}`,
          );
        } else {
          const by = event.skippedBy ? ` by ${event.skippedBy}` : '';
          this.line(`  ${c.yellow('↷')} ${event.stepId} ${c.dim(`skipped${by}: ${event.reason ?? ''}`)}`);
        }
        return;
      }
      case 'hook-end':
        if (event.status === 'failed') this.line(`  ${c.red('✗ hook')} ${event.event} ${c.dim(`(${event.plugin})`)}: ${event.error}`);
        return;
      case 'log': {
        const level = event.level === 'error' ? c.red(event.level) : event.level === 'warn' ? c.yellow(event.level) : c.dim(event.level);
        if (event.level !== 'debug')
          this.line(`    ${level} ${c.dim(`[${event.plugin}${event.stepId ? ` · ${event.stepId}` : ''}]`)} ${event.message}`);
        return;
      }
      case 'limit':
        this.line(
          `  ${c.red('⚠ limit')} plugin "${event.plugin}" hit its ${event.kind} limit (${event.kind === 'timeout' ? `${event.limit} ms` : `${event.limit} MB`})`,
        );
        return;
      case 'run-end': {
        if (this.progressTimer) clearInterval(this.progressTimer);
        const status =
          event.status === 'ok' ? c.green('✓ run ok') : event.status === 'cancelled' ? c.yellow('■ run cancelled') : c.red('✗ run failed');
        this.line(
          `${c.bold(status)} ${c.dim(`in ${seconds(event.durationMs)}`)}${event.error && event.status !== 'ok' && !this.shownProblems.has(event.error) ? `\n  ${event.error}` : ''}`,
        );
        return;
      }
      default:
        return;
    }
  }
}

/** `file:line:column: ` before a problem's message, unless the message already starts with its place. */
function locate(event: { file?: string; line?: number; column?: number; message: string }): string {
  if (!event.file) return '';
  const file = path.relative(process.cwd(), event.file) || event.file;
  if (event.message.includes(`${path.basename(event.file)}:`)) return '';
  return `${file}${event.line ? `:${event.line}:${event.column ?? 1}` : ''}: `;
}
