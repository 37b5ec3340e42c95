// The messages between the extension host and the one webview front-end, for all four panels.
// Types only: imported by client/src/panels (host) and client/webview (front-end).
import type { AetherEvent, MetricEvent } from '../../runtime/src/model/events';
import type { LoadOrderResult } from '../../server/src/protocol';

export type { LoadOrderResult };

export type PanelKind = 'loadOrder' | 'hookTraces' | 'visualizations' | 'debugPlugins';

/** What a panel's webview keeps through reloads (vscode.setState) and hands to the serializer. */
export interface PanelState {
  kind: PanelKind;
  /** Hook traces: the run shown (a record file path). */
  runFile?: string;
  /** Filters typed by the user. */
  filter?: string;
  eventTypes?: string[];
}

export interface RunChoice {
  file: string;
  label: string;
  live: boolean;
}

/** Host → webview. */
export type ToWebview =
  | { type: 'loadOrder'; results: LoadOrderResult[]; error?: string }
  | { type: 'runs'; runs: RunChoice[]; selected?: string }
  | { type: 'traceEvents'; file: string; events: AetherEvent[]; reset: boolean }
  | { type: 'metrics'; points: MetricEvent[]; reset: boolean; maxPoints: number; dropped: number; pipeline?: string }
  | { type: 'debugEvents'; events: AetherEvent[]; reset: boolean; logFile?: string; pipeline?: string; maxEvents: number };

/** Webview → host. */
export type FromWebview =
  | { type: 'ready'; state?: PanelState }
  | { type: 'open'; file: string; line?: number }
  | { type: 'selectRun'; file: string }
  | { type: 'refresh' }
  | { type: 'revealStep'; pipelineFile: string; stepId: string };
