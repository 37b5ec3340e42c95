// Benchmarks: per plugin, one bar chart of each benchmark's median against its baseline and the last
// runs (a logarithmic axis: a no-op echo and an 8 MB hash differ by five orders of magnitude), and a
// table of the latest run with the ratio to the reference no-op and the baseline comparison.
import { Chart, BarController, BarElement, CategoryScale, LogarithmicScale, Legend, Tooltip } from 'chart.js';
import type { BenchPluginView, BenchRunCase } from './protocol';
import { h, post } from './vscodeApi';

Chart.register(BarController, BarElement, CategoryScale, LogarithmicScale, Legend, Tooltip);

/** Runs charted beside the baseline, newest last. */
const RUNS_CHARTED = 5;

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

function ms(value: number | undefined): string {
  if (value === undefined) return '';
  if (value < 0.001) return `${(value * 1e6).toFixed(0)} ns`;
  if (value < 1) return `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} µs`;
  if (value < 1000) return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

function times(ratio: number | undefined): string {
  if (ratio === undefined) return '';
  return ratio < 100 ? `${ratio.toFixed(1)}x` : `${Math.round(ratio).toLocaleString('en-US')}x`;
}

const clock = (iso: string) => {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
};

export class BenchmarksView {
  private readonly charts: Chart[] = [];
  private readonly status = h('p', { className: 'muted bench-status' });
  private readonly list = h('div', { className: 'bench-plugins' });

  constructor(private readonly root: HTMLElement) {
    Chart.defaults.color = css('--vscode-foreground', '#ccc');
    Chart.defaults.borderColor = css('--vscode-panel-border', '#444');
    Chart.defaults.font.family = css('--vscode-font-family', 'sans-serif');
    Chart.defaults.animation = false;
    const refresh = h('button', { type: 'button', title: 'Read the runs and baselines again' }, 'Refresh');
    refresh.addEventListener('click', () => post({ type: 'refresh' }));
    root.replaceChildren(h('div', { className: 'toolbar' }, h('h1', {}, 'Benchmarks'), refresh), this.status, this.list);
    this.status.textContent = 'Looking for test/*.bench.yaml…';
  }

  show(plugins: BenchPluginView[], running?: { dir: string; benchmark?: string; done: number; total: number }): void {
    for (const chart of this.charts.splice(0)) chart.destroy();
    this.status.textContent = running
      ? `Benchmarking ${running.benchmark ?? '…'} (${running.done + 1} of ${running.total})…`
      : plugins.length === 0
        ? 'No plugin in this workspace has test/*.bench.yaml benchmarks.'
        : 'Medians, on a logarithmic axis: the baseline (test/bench-baseline.json) and the last runs, newest last. Run a benchmark from the Testing view (Benchmark profile) or with Run below.';
    this.list.replaceChildren(...plugins.map((plugin) => this.card(plugin, running?.dir === plugin.dir)));
  }

  private card(plugin: BenchPluginView, busy: boolean): HTMLElement {
    const run = h('button', { type: 'button', disabled: busy }, busy ? 'Running…' : 'Run');
    run.addEventListener('click', () => post({ type: 'runBench', dir: plugin.dir }));
    const latest = plugin.runs.at(-1);
    const names = [...new Set([...(latest?.cases.map((c) => c.name) ?? []), ...Object.keys(plugin.baseline?.cases ?? {})])];
    const heading = h(
      'div',
      { className: 'toolbar' },
      h('h2', {}, plugin.plugin),
      h(
        'span',
        { className: 'muted' },
        `${plugin.runs.length} run${plugin.runs.length === 1 ? '' : 's'}${plugin.baseline ? ` · baseline of ${clock(plugin.baseline.savedAt)}` : ' · no baseline'}`,
      ),
      run,
    );
    const section = h('section', { className: 'bench-plugin card', 'data-plugin': plugin.plugin }, heading);
    if (names.length === 0) {
      section.append(h('p', { className: 'muted' }, 'Not benchmarked yet.'));
      return section;
    }
    const canvas = h('canvas', { 'aria-label': `Benchmark medians of ${plugin.plugin}`, role: 'img' });
    section.append(h('div', { className: 'canvas-wrap bench-chart' }, canvas), this.table(names, plugin, latest?.cases ?? []));
    const colors = [
      css('--vscode-charts-blue', '#3794ff'),
      css('--vscode-charts-green', '#89d185'),
      css('--vscode-charts-purple', '#b180d7'),
      css('--vscode-charts-orange', '#d18616'),
      css('--vscode-charts-yellow', '#cca700'),
    ];
    const runs = plugin.runs.slice(-RUNS_CHARTED);
    const datasets = [
      ...(plugin.baseline
        ? [
            {
              label: 'baseline',
              data: names.map((n) => plugin.baseline?.cases[n]?.medianMs ?? null),
              backgroundColor: css('--vscode-descriptionForeground', '#999'),
            },
          ]
        : []),
      ...runs.map((r, i) => ({
        label: i === runs.length - 1 ? `latest (${clock(r.time)})` : clock(r.time),
        data: names.map((n) => r.cases.find((c) => c.name === n)?.medianMs ?? null),
        backgroundColor: colors[(runs.length - 1 - i) % colors.length]!,
      })),
    ];
    this.charts.push(
      new Chart(canvas, {
        type: 'bar',
        data: { labels: names, datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            y: {
              type: 'logarithmic',
              title: { display: true, text: 'median (log scale)' },
              ticks: { maxTicksLimit: 6, callback: (value) => ms(Number(value)) },
            },
          },
          plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${ms(item.raw as number)}` } } },
        },
      }),
    );
    return section;
  }

  private table(names: string[], plugin: BenchPluginView, cases: BenchRunCase[]): HTMLElement {
    const head = h(
      'tr',
      {},
      ...['benchmark', 'median', 'p99', 'ops/s', '× no-op', 'baseline', 'status'].map((label) => h('th', {}, label)),
    );
    const rows = names.map((name) => {
      const c = cases.find((x) => x.name === name);
      const baseline = c?.baselineMedianMs ?? plugin.baseline?.cases[name]?.medianMs;
      const status = !c
        ? 'not in the latest run'
        : c.status === 'failed'
          ? `failed: ${c.error ?? ''}`
          : c.status === 'slower'
            ? `slower (${Math.round((c.confidence ?? 0) * 100)}% confident ≥ ${c.lowerBound?.toFixed(2)}x)`
            : 'ok';
      return h(
        'tr',
        { className: c?.status === 'ok' ? '' : 'failed' },
        h('td', {}, name),
        h('td', {}, ms(c?.medianMs)),
        h('td', {}, ms(c?.p99Ms)),
        h('td', {}, c?.opsPerSec === undefined ? '' : Math.round(c.opsPerSec).toLocaleString('en-US')),
        h('td', {}, times(c?.ratio)),
        h('td', {}, ms(baseline)),
        h('td', {}, status),
      );
    });
    return h('table', { className: 'grid bench-table' }, h('thead', {}, head), h('tbody', {}, ...rows));
  }
}
