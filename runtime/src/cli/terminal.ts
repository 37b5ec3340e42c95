// Terminal output: colour only on a TTY and never with NO_COLOR (https://no-color.org); FORCE_COLOR
// forces it (for screenshots and tests of the coloured output).
import { createColors } from 'picocolors';
import type { AetherDiagnostic } from '../model/diagnostics';
import path from 'node:path';

export type Colors = ReturnType<typeof createColors>;

export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Colors {
  const enabled = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' ? true : Boolean(stream.isTTY) && !('NO_COLOR' in env);
  return createColors(enabled);
}

/** `file:line:col: severity code: message`, the shape editors and CI annotators recognise. */
export function formatDiagnostic(diagnostic: AetherDiagnostic, colors: Colors, cwd = process.cwd()): string {
  const severity =
    diagnostic.severity === 'error'
      ? colors.red('error')
      : diagnostic.severity === 'warning'
        ? colors.yellow('warning')
        : colors.cyan('info');
  const file = diagnostic.file ? path.relative(cwd, diagnostic.file) || diagnostic.file : undefined;
  const where = file ? `${file}${diagnostic.range ? `:${diagnostic.range.line}:${diagnostic.range.column}` : ''}: ` : '';
  // Messages from the runtime already start with their location; do not print it twice.
  const message =
    file && diagnostic.message.includes(`${path.basename(file)}:`)
      ? diagnostic.message.replace(/^\S+?:(\d+:\d+:)?\s/, '')
      : diagnostic.message;
  return `${colors.bold(where)}${severity} ${colors.dim(diagnostic.code)}: ${message}`;
}
