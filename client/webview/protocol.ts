// The messages between the extension host and the one webview front-end, for all five panels.
// Types only: imported by client/src/panels (host) and client/webview (front-end).
import type { AetherEvent, MetricEvent } from '../../runtime/src/model/events';
import type { LoadOrderResult } from '../../server/src/protocol';
import type { PluginDetail } from '../../runtime/src/registry/types';
import type { InstalledPlugin } from '../src/plugins/pluginsModel';

export type { LoadOrderResult, PluginDetail, InstalledPlugin };

export type PanelKind = 'loadOrder' | 'hookTraces' | 'visualizations' | 'debugPlugins' | 'benchmarks' | 'pluginDetail';

/** What the detail page's button does for the plugin shown. */
export type PluginAction = 'install' | 'update' | 'remove';

/** What a panel's webview keeps through reloads (vscode.setState) and hands to the serializer. */
export interface PanelState {
  kind: PanelKind;
  /** Hook traces: the run shown (a record file path). */
  runFile?: string;
  /** Filters typed by the user. */
  filter?: string;
  eventTypes?: string[];
  /** Plugin detail: the package shown. */
  plugin?: string;
}

export interface RunChoice {
  file: string;
  label: string;
  live: boolean;
}

/** One benchmark of one plugin-bench run, as the Benchmarks panel charts it. */
export interface BenchRunCase {
  name: string;
  status: 'ok' | 'failed' | 'slower';
  error?: string;
  medianMs?: number;
  p99Ms?: number;
  opsPerSec?: number;
  /** Median over the reference no-op's median in the same run. */
  ratio?: number;
  /** The comparison with the baseline, when there was one. */
  baselineMedianMs?: number;
  confidence?: number;
  lowerBound?: number;
}

/** One plugin-bench run of a plugin (the Testing view's Benchmark profile, or the latest CLI summary). */
export interface BenchRunView {
  time: string;
  referenceMedianMs?: number;
  cases: BenchRunCase[];
}

/** A plugin's benchmarks in the Benchmarks panel: its committed baseline and its last runs, oldest first. */
export interface BenchPluginView {
  dir: string;
  plugin: string;
  baseline?: { savedAt: string; cases: Record<string, { medianMs: number; ratio?: number }> };
  runs: BenchRunView[];
}

/** Host → webview. */
export type ToWebview =
  | { type: 'loadOrder'; results: LoadOrderResult[]; error?: string }
  | { type: 'runs'; runs: RunChoice[]; selected?: string }
  | { type: 'traceEvents'; file: string; events: AetherEvent[]; reset: boolean }
  | { type: 'metrics'; points: MetricEvent[]; reset: boolean; maxPoints: number; dropped: number; pipeline?: string }
  | { type: 'debugEvents'; events: AetherEvent[]; reset: boolean; logFile?: string; pipeline?: string; maxEvents: number }
  | { type: 'benchmarks'; plugins: BenchPluginView[]; running?: { dir: string; benchmark?: string; done: number; total: number } }
  | {
      type: 'pluginDetail';
      name: string;
      /** The registry's version, checked from its tarball; absent while loading or when it failed. */
      detail?: PluginDetail;
      /** The workspace's copy, when installed. */
      installed?: InstalledPlugin;
      /** What the button offers (none: not installable, e.g. incompatible or a local plugin). */
      actions: PluginAction[];
      loading?: boolean;
      error?: string;
      /** An install/update/remove in progress. */
      busy?: string;
    }
  /** Load order: each plugin's attestation status by entry path (read from disk after the graph). */
  | { type: 'attestations'; statuses: Record<string, { status: string; message?: string }> };

/** Webview → host. */
export type FromWebview =
  | { type: 'ready'; state?: PanelState }
  | { type: 'open'; file: string; line?: number }
  | { type: 'selectRun'; file: string }
  | { type: 'refresh' }
  | { type: 'revealStep'; pipelineFile: string; stepId: string }
  | { type: 'runBench'; dir: string }
  | { type: 'pluginAction'; action: PluginAction; name: string };
