// Hook traces: one lane for the steps and one per plugin; every step and hook call is a bar from its
// start to its end, coloured by status. Filters by plugin and event; a bar reveals its step.
import type { AetherEvent } from '../../runtime/src/model/events';
import type { PanelState, RunChoice } from './protocol';
import { formatMs, h, onActivate, post, saveState } from './vscodeApi';

interface Span {
  lane: string;
  label: string;
  event: string;
  start: number;
  end: number;
  status: string;
  stepId?: string;
  detail: string;
}

export class HookTracesView {
  private runs: RunChoice[] = [];
  private file: string | undefined;
  private events: AetherEvent[] = [];
  private pipelineFile: string | undefined;
  private entries = new Map<string, string>();

  constructor(
    private readonly root: HTMLElement,
    private readonly state: PanelState,
  ) {}

  setRuns(runs: RunChoice[], selected?: string): void {
    this.runs = runs;
    this.file = selected ?? this.file;
    this.render();
  }

  setEvents(file: string, events: AetherEvent[], reset: boolean): void {
    if (reset || file !== this.file) this.events = [];
    this.file = file;
    this.events.push(...events);
    this.state.runFile = file;
    saveState(this.state);
    this.render();
  }

  private spans(): Span[] {
    const spans: Span[] = [];
    const open = new Map<string, AetherEvent>();
    for (const e of this.events) {
      if (e.type === 'run-start') this.pipelineFile = e.file;
      if (e.type === 'plugin-load') this.entries.set(e.name, e.entry);
      if (e.type === 'step-start') open.set(`step:${e.stepId}`, e);
      if (e.type === 'hook-start') open.set(`hook:${e.plugin}:${e.event}:${e.stepId ?? ''}`, e);
      if (e.type === 'step-end') {
        open.delete(`step:${e.stepId}`);
        spans.push({
          lane: 'steps',
          label: e.stepId,
          event: 'step',
          start: e.time - e.durationMs,
          end: e.time,
          status: e.status,
          stepId: e.stepId,
          detail: `${e.stepId}: ${e.plugin}/${e.command} ${e.status} in ${formatMs(e.durationMs)}${e.error ? ` — ${e.error}` : ''}${e.reason ? ` — ${e.reason}` : ''}`,
        });
      }
      if (e.type === 'hook-end') {
        open.delete(`hook:${e.plugin}:${e.event}:${e.stepId ?? ''}`);
        spans.push({
          lane: e.plugin,
          label: e.event,
          event: e.event,
          start: e.time - e.durationMs,
          end: e.time,
          status: e.status,
          stepId: e.stepId,
          detail: `${e.plugin} ${e.event}${e.stepId ? ` (step ${e.stepId})` : ''} ${e.status} in ${formatMs(e.durationMs)}${e.effect ? `, changed ${e.effect}` : ''}${e.error ? ` — ${e.error}` : ''}`,
        });
      }
    }
    const now = this.events.at(-1)?.time ?? 0;
    for (const e of open.values()) {
      if (e.type === 'step-start')
        spans.push({
          lane: 'steps',
          label: e.stepId,
          event: 'step',
          start: e.time,
          end: now,
          status: 'running',
          stepId: e.stepId,
          detail: `${e.stepId} running`,
        });
      if (e.type === 'hook-start')
        spans.push({
          lane: e.plugin,
          label: e.event,
          event: e.event,
          start: e.time,
          end: now,
          status: 'running',
          stepId: e.stepId,
          detail: `${e.plugin} ${e.event} running`,
        });
    }
    return spans;
  }

  private render(): void {
    const select = h('select', {
      'aria-label': 'Run',
      onchange: (ev: Event) => post({ type: 'selectRun', file: (ev.target as HTMLSelectElement).value }),
    });
    for (const run of this.runs) {
      const option = h('option', { value: run.file }, `${run.live ? '● ' : ''}${run.label}`);
      if (run.file === this.file) option.selected = true;
      select.append(option);
    }
    const filter = h('input', {
      type: 'search',
      placeholder: 'Filter by plugin, event or step',
      value: this.state.filter ?? '',
      'aria-label': 'Filter',
    });
    filter.addEventListener('input', () => {
      this.state.filter = filter.value;
      saveState(this.state);
      this.renderTimeline(body);
    });
    const body = h('div', { className: 'timeline-body' });
    this.root.replaceChildren(
      h(
        'div',
        { className: 'toolbar' },
        h('h1', {}, 'Hook traces'),
        select,
        filter,
        h('button', { onclick: () => post({ type: 'refresh' }) }, 'Refresh'),
      ),
      this.runs.length === 0
        ? h('p', { className: 'muted' }, 'No runs yet: run a pipeline, and its steps and hook calls appear here.')
        : '',
      body,
    );
    this.renderTimeline(body);
  }

  private renderTimeline(body: HTMLElement): void {
    const query = (this.state.filter ?? '').trim().toLowerCase();
    const spans = this.spans().filter((s) => !query || `${s.lane} ${s.label} ${s.event} ${s.stepId ?? ''}`.toLowerCase().includes(query));
    const runEnd = this.events.find((e) => e.type === 'run-end');
    const summary =
      runEnd && runEnd.type === 'run-end' ? `run ${runEnd.status} in ${formatMs(runEnd.durationMs)}` : this.events.length ? 'running…' : '';
    if (spans.length === 0) {
      body.replaceChildren(h('p', { className: 'muted' }, this.events.length ? 'Nothing matches the filter.' : 'Select a run.'));
      return;
    }
    const t0 = Math.min(...spans.map((s) => s.start));
    const t1 = Math.max(...spans.map((s) => s.end), t0 + 1);
    const lanes = ['steps', ...[...new Set(spans.map((s) => s.lane))].filter((l) => l !== 'steps').sort()];
    const pct = (t: number) => ((t - t0) / (t1 - t0)) * 100;
    const rows = lanes.map((lane) => {
      const track = h('div', { className: 'track' });
      for (const span of spans.filter((s) => s.lane === lane)) {
        const bar = h(
          'div',
          {
            className: `bar ${span.status} ${lane === 'steps' ? 'step' : 'hook'}`,
            tabindex: 0,
            role: 'button',
            title: span.detail,
            'aria-label': span.detail,
          },
          span.label,
        );
        bar.style.left = `${pct(span.start)}%`;
        bar.style.width = `max(3px, ${pct(span.end) - pct(span.start)}%)`;
        onActivate(bar, () => {
          if (span.stepId && this.pipelineFile) post({ type: 'revealStep', pipelineFile: this.pipelineFile, stepId: span.stepId });
          else if (this.entries.has(span.lane)) post({ type: 'open', file: this.entries.get(span.lane)! });
        });
        track.append(bar);
      }
      const laneLabel = h('div', { className: 'lane-label' }, lane);
      if (this.entries.has(lane)) {
        laneLabel.tabIndex = 0;
        laneLabel.title = 'Open the plugin source';
        onActivate(laneLabel, () => post({ type: 'open', file: this.entries.get(lane)! }));
      }
      return h('div', { className: 'lane' }, laneLabel, track);
    });
    const list = h(
      'table',
      { className: 'grid' },
      h('thead', {}, h('tr', {}, ...['start', 'lane', 'call', 'status', 'duration'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        ...spans
          .sort((a, b) => a.start - b.start)
          .slice(0, 500)
          .map((s) =>
            h(
              'tr',
              { className: s.status },
              h('td', {}, `+${formatMs(s.start - t0)}`),
              h('td', {}, s.lane),
              h('td', {}, s.label),
              h('td', {}, s.status),
              h('td', {}, formatMs(s.end - s.start)),
            ),
          ),
      ),
    );
    body.replaceChildren(
      h('p', { className: 'muted' }, `${spans.length} calls over ${formatMs(t1 - t0)} ${summary ? `· ${summary}` : ''}`),
      h('div', { className: 'timeline', role: 'list' }, ...rows),
      list,
    );
  }
}
