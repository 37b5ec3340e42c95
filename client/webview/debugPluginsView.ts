// Debug plugins: the run's events as a live, filterable trace (calls, hooks, state writes, workers,
// limits, logs), newest at the bottom, bounded to the configured number of events.
import type { AetherEvent } from '../../runtime/src/model/events';
import type { PanelState } from './protocol';
import { formatMs, h, saveState } from './vscodeApi';

const TYPES = [
  'step-start',
  'step-end',
  'hook-start',
  'hook-end',
  'log',
  'state',
  'metric',
  'limit',
  'plugin-load',
  'plugin-error',
  'warning',
  'run-start',
  'run-end',
];

function describe(e: AetherEvent): { plugin: string; text: string; level: string } {
  switch (e.type) {
    case 'run-start':
      return { plugin: '', text: `run ${e.runId} of ${e.pipeline}`, level: 'info' };
    case 'run-end':
      return {
        plugin: '',
        text: `run ${e.status} in ${formatMs(e.durationMs)}${e.error ? `: ${e.error}` : ''}`,
        level: e.status === 'ok' ? 'info' : 'error',
      };
    case 'plugin-load':
      return {
        plugin: e.name,
        text: `loaded ${e.version} at #${e.order + 1}: ${e.reason}${e.attestation ? ` (${e.attestation})` : ''}`,
        level: 'info',
      };
    case 'plugin-error':
      return { plugin: e.plugin ?? '', text: e.message, level: 'error' };
    case 'hook-start':
      return { plugin: e.plugin, text: `→ ${e.event}${e.stepId ? ` [${e.stepId}]` : ''}`, level: 'debug' };
    case 'hook-end':
      return {
        plugin: e.plugin,
        text: `← ${e.event}${e.stepId ? ` [${e.stepId}]` : ''} ${e.status} ${formatMs(e.durationMs)}${e.effect ? ` changed ${e.effect}` : ''}${e.error ? `: ${e.error}` : ''}`,
        level: e.status === 'ok' ? 'debug' : 'error',
      };
    case 'step-start':
      return { plugin: e.plugin, text: `→ execute ${e.command} [${e.stepId}]`, level: 'info' };
    case 'step-end':
      return {
        plugin: e.plugin,
        text: `← execute ${e.command} [${e.stepId}] ${e.status} ${formatMs(e.durationMs)}${e.error ? `: ${e.error}` : ''}${e.reason ? ` (${e.reason})` : ''}`,
        level: e.status === 'failed' ? 'error' : 'info',
      };
    case 'log':
      return { plugin: e.plugin, text: e.message, level: e.level };
    case 'metric':
      return {
        plugin: e.plugin,
        text: `visualize ${e.chart} (${e.kind}) = ${JSON.stringify(e.value)}${e.unit ? ` ${e.unit}` : ''}`,
        level: 'debug',
      };
    case 'state':
      return { plugin: e.plugin, text: `state.set(${e.key})`, level: 'debug' };
    case 'limit':
      return { plugin: e.plugin, text: `${e.kind} limit hit (${e.limit}${e.kind === 'timeout' ? ' ms' : ' MB'})`, level: 'error' };
    case 'warning':
      return { plugin: e.plugin ?? '', text: e.message, level: 'warn' };
  }
}

export class DebugPluginsView {
  private events: AetherEvent[] = [];
  private max = 5000;
  private readonly info = h('p', { className: 'muted' });
  private readonly rows = h('tbody');
  private readonly scroller = h('div', { className: 'trace-scroll', tabindex: 0, 'aria-label': 'Event trace' });
  private readonly filter: HTMLInputElement;
  private readonly types = new Set<string>();

  constructor(
    root: HTMLElement,
    private readonly state: PanelState,
  ) {
    for (const t of state.eventTypes ?? TYPES) this.types.add(t);
    this.filter = h('input', {
      type: 'search',
      placeholder: 'Filter by plugin or text',
      value: state.filter ?? '',
      'aria-label': 'Filter',
    });
    this.filter.addEventListener('input', () => this.persistAndRender());
    const toggles = h('fieldset', { className: 'toggles' }, h('legend', {}, 'Events'));
    for (const t of TYPES) {
      const box = h('input', { type: 'checkbox', id: `t-${t}` });
      box.checked = this.types.has(t);
      box.addEventListener('change', () => {
        if (box.checked) this.types.add(t);
        else this.types.delete(t);
        this.persistAndRender();
      });
      toggles.append(h('label', { for: `t-${t}` }, box, t));
    }
    this.scroller.append(
      h(
        'table',
        { className: 'grid trace' },
        h('thead', {}, h('tr', {}, ...['time', 'event', 'plugin', 'detail'].map((t) => h('th', { scope: 'col' }, t)))),
        this.rows,
      ),
    );
    root.replaceChildren(h('div', { className: 'toolbar' }, h('h1', {}, 'Debug plugins'), this.filter), this.info, toggles, this.scroller);
  }

  private persistAndRender(): void {
    this.state.filter = this.filter.value;
    this.state.eventTypes = [...this.types];
    saveState(this.state);
    this.render();
  }

  add(events: AetherEvent[], reset: boolean, logFile: string | undefined, pipeline: string | undefined, max: number): void {
    this.max = max;
    if (reset) this.events = [];
    this.events.push(...events);
    if (this.events.length > max) this.events.splice(0, this.events.length - max);
    this.info.textContent = pipeline
      ? `${pipeline} · ${this.events.length} events${logFile ? ` · plugins.log: ${logFile}` : ''}`
      : 'No run yet. "AetherScript: Run Pipeline with Debug Plugins" traces every plugin call here and into plugins.log.';
    this.render();
  }

  private render(): void {
    const query = this.filter.value.trim().toLowerCase();
    const atBottom = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - 20;
    const t0 = this.events[0]?.time ?? 0;
    const shown = this.events
      .filter((e) => this.types.has(e.type))
      .map((e) => ({ e, d: describe(e) }))
      .filter(({ e, d }) => !query || `${e.type} ${d.plugin} ${d.text}`.toLowerCase().includes(query))
      .slice(-1000); // the DOM shows the newest 1000; the filter still searches all kept events
    this.rows.replaceChildren(
      ...shown.map(({ e, d }) =>
        h(
          'tr',
          { className: `lvl-${d.level}` },
          h('td', {}, `+${formatMs(e.time - t0)}`),
          h('td', {}, e.type),
          h('td', {}, d.plugin),
          h('td', {}, d.text),
        ),
      ),
    );
    if (atBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}
