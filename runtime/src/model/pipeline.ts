// The pipeline model of spec section 5, as the runtime executes it and the editor inspects it.
import type { JsonValue } from './plugin';
import type { SourceRange } from './diagnostics';

export interface PipelineSettings {
  /** settings.timeout in ms, when given. */
  timeoutMs?: number;
  /** settings.memory in MB, when given. */
  heapMb?: number;
  /** settings.concurrency (default 1). */
  concurrency: number;
}

export interface PipelineStep {
  id: string;
  name?: string;
  /** The command as written: `name` or `plugin/name`. */
  run: string;
  /** The step's `with`, expressions still unresolved (`${{ … }}` strings). */
  with: Record<string, JsonValue>;
  /** Always a list (a single string in YAML is normalised). */
  needs: string[];
  timeoutMs?: number;
  continueOnError: boolean;
  /** Position in the file's step list. */
  index: number;
  /** Range of the step's mapping in the file, for diagnostics and the editor. */
  range?: SourceRange;
  /** Range of the step's `id` value. */
  idRange?: SourceRange;
}

export interface Pipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  name: string;
  description?: string;
  /** `runtime:` range, when given. */
  runtime?: string;
  /** Config blocks under `plugins:` by plugin name (null blocks become {}). */
  plugins: Record<string, JsonValue>;
  settings: PipelineSettings;
  env: Record<string, string>;
  steps: PipelineStep[];
}
