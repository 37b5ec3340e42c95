// Live visualizations: one card per `ctx.visualize` chart. line and bar are Chart.js charts, gauge a
// doughnut with its value, table an HTML table. Updates are coalesced into animation frames and each
// chart keeps at most `maxPoints` points, so memory stays flat however long the run.
import {
  Chart,
  LineController,
  BarController,
  DoughnutController,
  LineElement,
  BarElement,
  ArcElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
} from 'chart.js';
import type { MetricEvent } from '../../runtime/src/model/events';
import { h } from './vscodeApi';

Chart.register(
  LineController,
  BarController,
  DoughnutController,
  LineElement,
  BarElement,
  ArcElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
);

interface Card {
  kind: string;
  el: HTMLElement;
  chart?: Chart;
  table?: HTMLTableSectionElement;
  value?: HTMLElement;
  points: MetricEvent[];
}

const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const palette = () => [
  css('--vscode-charts-blue', '#3794ff'),
  css('--vscode-charts-green', '#89d185'),
  css('--vscode-charts-orange', '#d18616'),
  css('--vscode-charts-purple', '#b180d7'),
  css('--vscode-charts-red', '#f14c4c'),
  css('--vscode-charts-yellow', '#cca700'),
];
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));

export class VisualizationsView {
  private readonly cards = new Map<string, Card>();
  private dirty = new Set<Card>();
  private frame = 0;
  private maxPoints = 500;
  private readonly grid = h('div', { className: 'charts' });
  private readonly header = h('p', { className: 'muted' }, 'Waiting for ctx.visualize points: run a pipeline whose plugins call it.');

  constructor(private readonly root: HTMLElement) {
    Chart.defaults.color = css('--vscode-foreground', '#ccc');
    Chart.defaults.borderColor = css('--vscode-panel-border', '#444');
    Chart.defaults.font.family = css('--vscode-font-family', 'sans-serif');
    Chart.defaults.animation = false;
    root.replaceChildren(h('div', { className: 'toolbar' }, h('h1', {}, 'Live visualizations')), this.header, this.grid);
  }

  add(points: MetricEvent[], reset: boolean, maxPoints: number, dropped: number, pipeline?: string): void {
    this.maxPoints = maxPoints;
    if (reset) {
      for (const card of this.cards.values()) card.chart?.destroy();
      this.cards.clear();
      this.grid.replaceChildren();
    }
    for (const point of points) {
      const card = this.card(point);
      card.points.push(point);
      if (card.points.length > maxPoints) card.points.splice(0, card.points.length - maxPoints);
      this.dirty.add(card);
    }
    if (pipeline)
      this.header.textContent = `${pipeline}: ${this.cards.size} chart${this.cards.size === 1 ? '' : 's'}${dropped ? ` · ${dropped} old points dropped to stay within ${maxPoints} per chart` : ''}`;
    this.frame ||= requestAnimationFrame(() => this.draw());
  }

  private card(point: MetricEvent): Card {
    let card = this.cards.get(point.chart);
    if (card) return card;
    const el = h(
      'figure',
      { className: 'card', tabindex: 0, 'aria-label': `${point.kind} chart ${point.chart}` },
      h(
        'figcaption',
        {},
        `${point.chart}`,
        h('span', { className: 'muted' }, ` ${point.kind}${point.unit ? ` · ${point.unit}` : ''} · ${point.plugin}`),
      ),
    );
    card = { kind: point.kind, el, points: [] };
    if (point.kind === 'table') {
      const body = h('tbody');
      el.append(
        h(
          'table',
          { className: 'grid' },
          h('thead', {}, h('tr', {}, h('th', {}, 'label'), h('th', {}, 'series'), h('th', {}, 'value'))),
          body,
        ),
      );
      card.table = body;
    } else {
      const canvas = h('canvas', { role: 'img', 'aria-label': `${point.chart} chart` });
      const wrap = h('div', { className: 'canvas-wrap' }, canvas);
      el.append(wrap);
      if (point.kind === 'gauge') {
        card.value = h('div', { className: 'gauge-value' });
        wrap.append(card.value);
      }
      const colors = palette();
      card.chart = new Chart(canvas, {
        type: point.kind === 'bar' ? 'bar' : point.kind === 'gauge' ? 'doughnut' : 'line',
        data: { labels: [], datasets: [] },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: point.kind !== 'gauge' } },
          ...(point.kind === 'gauge'
            ? { circumference: 180, rotation: -90, cutout: '70%' }
            : { scales: { y: { beginAtZero: true, title: { display: !!point.unit, text: point.unit ?? '' } } } }),
        },
      });
      card.chart.data.datasets = [];
      (card as { colors?: string[] }).colors = colors;
    }
    this.cards.set(point.chart, card);
    this.grid.append(el);
    return card;
  }

  private draw(): void {
    this.frame = 0;
    for (const card of this.dirty) this.drawCard(card);
    this.dirty.clear();
  }

  private drawCard(card: Card): void {
    const colors = palette();
    if (card.table) {
      card.table.replaceChildren(
        ...card.points
          .slice(-50)
          .map((p) =>
            h(
              'tr',
              {},
              h('td', {}, p.label ?? ''),
              h('td', {}, p.series ?? ''),
              h('td', {}, typeof p.value === 'object' ? JSON.stringify(p.value) : String(p.value)),
            ),
          ),
      );
      return;
    }
    const chart = card.chart!;
    if (card.kind === 'gauge') {
      const last = card.points.at(-1)!;
      const value = num(last.value);
      const max = Math.max(...card.points.map((p) => num(p.value)), 1);
      chart.data.labels = ['value', 'rest'];
      chart.data.datasets = [
        {
          data: [value, Math.max(0, max - value)],
          backgroundColor: [colors[0]!, css('--vscode-editorWidget-border', '#555')],
          borderWidth: 0,
        },
      ];
      card.value!.textContent = `${value.toLocaleString()}${last.unit ? ` ${last.unit}` : ''}`;
    } else if (card.kind === 'bar') {
      // Bars: the latest value per label (or per series), grouped by series.
      const labels = [...new Set(card.points.map((p) => p.label ?? p.series ?? p.chart))];
      const series = [...new Set(card.points.map((p) => p.series ?? (p.label ? p.chart : 'value')))];
      chart.data.labels = labels;
      chart.data.datasets = series.map((s, i) => ({
        label: s,
        backgroundColor: colors[i % colors.length],
        data: labels.map((l) =>
          num(
            card.points.filter((p) => (p.label ?? p.series ?? p.chart) === l && (p.series ?? (p.label ? p.chart : 'value')) === s).at(-1)
              ?.value ?? 0,
          ),
        ),
      }));
    } else {
      const series = [...new Set(card.points.map((p) => p.series ?? 'value'))];
      const t0 = card.points[0]?.time ?? 0;
      const times = [...new Set(card.points.map((p) => p.time))].sort((a, b) => a - b);
      chart.data.labels = times.map((t) => `+${((t - t0) / 1000).toFixed(1)}s`);
      chart.data.datasets = series.map((s, i) => {
        const byTime = new Map(card.points.filter((p) => (p.series ?? 'value') === s).map((p) => [p.time, num(p.value)]));
        return {
          label: s,
          borderColor: colors[i % colors.length],
          backgroundColor: colors[i % colors.length],
          pointRadius: 2,
          spanGaps: true,
          data: times.map((t) => byTime.get(t) ?? null),
        };
      });
    }
    chart.update('none');
  }
}
