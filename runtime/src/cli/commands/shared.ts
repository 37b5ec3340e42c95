// Small helpers shared by the CLI commands.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePipeline } from '../../pipeline';
import { findWorkspaceRoot } from '../../config/workspace';

/** Number of steps in a pipeline file, for the progress line (0 when it cannot be read). */
export function parsePipelineSteps(file: string): number {
  try {
    return parsePipeline(readFileSync(file, 'utf8'), path.resolve(file)).pipeline?.steps.length ?? 0;
  } catch {
    return 0;
  }
}

export function workspaceFrom(option: string | undefined): string {
  return option ? path.resolve(option) : findWorkspaceRoot(process.cwd());
}
