// The one front-end of every AetherScript panel: picks its view from the panel kind and routes the
// host's messages to it. Bundled by esbuild.js into dist/webview/main.js (+ main.css).
import './style.css';
import type { ToWebview } from './protocol';
import { loadState, post, saveState } from './vscodeApi';
import { renderLoadOrder, showAttestations } from './loadOrderView';
import { HookTracesView } from './hookTracesView';
import { VisualizationsView } from './visualizationsView';
import { DebugPluginsView } from './debugPluginsView';
import { BenchmarksView } from './benchmarksView';
import { PluginDetailView } from './pluginDetailView';

const state = loadState();
saveState(state);
const root = document.getElementById('app')!;
const traces = state.kind === 'hookTraces' ? new HookTracesView(root, state) : undefined;
const charts = state.kind === 'visualizations' ? new VisualizationsView(root) : undefined;
const debug = state.kind === 'debugPlugins' ? new DebugPluginsView(root, state) : undefined;
const benchmarks = state.kind === 'benchmarks' ? new BenchmarksView(root) : undefined;
const pluginDetail = state.kind === 'pluginDetail' ? new PluginDetailView(root) : undefined;
if (state.kind === 'loadOrder') root.textContent = 'Asking the language server for the load order…';

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const message = event.data;
  switch (message.type) {
    case 'loadOrder':
      void renderLoadOrder(root, message.results, message.error);
      break;
    case 'attestations':
      showAttestations(root, message.statuses);
      break;
    case 'pluginDetail':
      pluginDetail?.show(message);
      break;
    case 'runs':
      traces?.setRuns(message.runs, message.selected);
      break;
    case 'traceEvents':
      traces?.setEvents(message.file, message.events, message.reset);
      break;
    case 'metrics':
      charts?.add(message.points, message.reset, message.maxPoints, message.dropped, message.pipeline);
      break;
    case 'debugEvents':
      debug?.add(message.events, message.reset, message.logFile, message.pipeline, message.maxEvents);
      break;
    case 'benchmarks':
      benchmarks?.show(message.plugins, message.running);
      break;
  }
});

post({ type: 'ready', state });
