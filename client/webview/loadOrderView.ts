// Load order: each workspace folder's plugins as a dependency graph laid out by ELK (layered), with
// the order, reasons, commands, hooks and overrides beside it. A node opens the plugin's source. Each
// node is coloured by its attestation status (verified / unsigned / failed), which the host reads from
// disk after the graph and sends as its own message: the graph never waits for the digests.
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { LoadOrderResult } from './protocol';
import { describePermissions } from '../../runtime/src/model/permissions';
import { h, onActivate, post } from './vscodeApi';
import { toneLabels, trustTone, type TrustTone } from '../src/plugins/pluginsModel';

const elk = new ELK();
const NODE_W = 170;
const NODE_H = 62;
const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Attestation per plugin entry, as last sent by the host (kept across re-renders of the graph). */
let attestations: Record<string, { status: string; message?: string }> = {};

const TONE_CLASSES = ['trust-verified', 'trust-unsigned', 'trust-failed', 'trust-pending'];

function toneOf(entry: string): TrustTone | 'pending' {
  const a = attestations[entry];
  return a ? trustTone(a.status) : 'pending';
}

function applyTrust(root: ParentNode): void {
  for (const el of Array.from(root.querySelectorAll<SVGGElement | HTMLElement>('[data-entry]'))) {
    const entry = el.getAttribute('data-entry')!;
    const tone = toneOf(entry);
    el.classList.remove(...TONE_CLASSES);
    el.classList.add(`trust-${tone}`);
    const a = attestations[entry];
    if (el.classList.contains('attestation-cell')) el.textContent = a ? a.status : 'checking…';
    const status = el.querySelector('text.trust');
    if (status) status.textContent = a ? a.status : '…';
    const title = el.querySelector('title');
    if (title && a)
      title.textContent = `${title.textContent?.split('\nattestation:')[0] ?? ''}\nattestation: ${a.status}${a.message ? ` — ${a.message}` : ''}`;
  }
}

/** The host's attestation statuses, by entry path: colours the nodes already drawn and those drawn later. */
export function showAttestations(root: HTMLElement, statuses: Record<string, { status: string; message?: string }>): void {
  attestations = statuses;
  applyTrust(root);
}

function legend(): HTMLElement {
  const item = (tone: TrustTone | 'pending', text: string) =>
    h('span', { className: `legend-item trust-${tone}` }, h('span', { className: 'swatch', 'aria-hidden': 'true' }), text);
  return h(
    'div',
    { className: 'legend', role: 'note', 'aria-label': 'Node colours: attestation status' },
    h('span', { className: 'muted' }, 'Attestation:'),
    item('verified', toneLabels.verified),
    item('unsigned', toneLabels.unsigned),
    item('failed', toneLabels.failed),
    item('pending', 'not checked yet'),
  );
}

export async function renderLoadOrder(root: HTMLElement, results: LoadOrderResult[], error?: string): Promise<void> {
  root.replaceChildren(
    h(
      'div',
      { className: 'toolbar' },
      h('h1', {}, 'Plugin load order'),
      h('button', { onclick: () => post({ type: 'refresh' }), title: 'Ask the language server again' }, 'Refresh'),
      legend(),
    ),
  );
  if (error) root.append(h('p', { className: 'error', role: 'alert' }, error));
  if (results.length === 0 && !error) root.append(h('p', { className: 'muted' }, 'No AetherScript workspace folder.'));
  for (const result of results) root.append(await renderFolder(result));
  applyTrust(root);
}

async function renderFolder(result: LoadOrderResult): Promise<HTMLElement> {
  const section = h('section', { className: 'folder', 'aria-label': `Plugins of ${result.folder}` }, h('h2', {}, result.folder));
  const names = new Set(result.plugins.map((p) => p.name));
  const edges = result.plugins.flatMap((p) =>
    p.dependencies.filter((d) => names.has(d)).map((dep) => ({ id: `${dep}->${p.name}`, sources: [dep], targets: [p.name] })),
  );
  const graph: ElkNode = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.edgeRouting': 'ORTHOGONAL',
    },
    children: result.plugins.map((p) => ({ id: p.name, width: NODE_W, height: NODE_H })),
    edges,
  });
  const width = (graph.width ?? 0) + 16;
  const height = (graph.height ?? 0) + 16;
  const canvas = svg('svg', {
    width,
    height,
    viewBox: `-8 -8 ${width} ${height}`,
    role: 'group',
    'aria-label': 'dependency graph',
    class: 'graph',
  });
  const defs = svg('defs', {});
  const marker = svg('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 10,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }));
  defs.append(marker);
  canvas.append(defs);
  for (const edge of graph.edges ?? []) {
    for (const section of edge.sections ?? []) {
      const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
      canvas.append(
        svg('path', { d: points.map((pt, i) => `${i ? 'L' : 'M'} ${pt.x} ${pt.y}`).join(' '), class: 'edge', 'marker-end': 'url(#arrow)' }),
      );
    }
  }
  const byName = new Map(result.plugins.map((p) => [p.name, p]));
  for (const node of graph.children ?? []) {
    const plugin = byName.get(node.id)!;
    const g = svg('g', {
      transform: `translate(${node.x ?? 0},${node.y ?? 0})`,
      class: `node ${plugin.source} trust-${toneOf(plugin.entry)}`,
      'data-entry': plugin.entry,
      tabindex: 0,
      role: 'button',
      'aria-label': `${plugin.order + 1}. ${plugin.name} ${plugin.version}: ${plugin.reason}. Enter opens the source.`,
    });
    const title = svg('title', {});
    title.textContent = `${plugin.name}@${plugin.version}\n${plugin.reason}\ncommands: ${plugin.commands.join(', ')}\nhooks: ${plugin.hooks.join(', ') || '—'}\npermissions: ${describePermissions(plugin.permissions)}`;
    g.append(title, svg('rect', { width: NODE_W, height: NODE_H, rx: 4 }));
    const label = svg('text', { x: 12, y: 19, class: 'name' });
    label.textContent = `${plugin.order + 1}. ${plugin.name}`;
    const sub = svg('text', { x: 12, y: 36, class: 'sub' });
    sub.textContent = `${plugin.version} · ${plugin.commands.length} cmd · ${plugin.hooks.length} hooks`;
    const mark = svg('rect', { x: 0, y: 0, width: 5, height: NODE_H, rx: 2, class: 'trust-mark' });
    const trust = svg('text', { x: 12, y: 53, class: 'trust' });
    g.append(mark, label, sub, trust);
    onActivate(g, () => post({ type: 'open', file: plugin.entry }));
    canvas.append(g);
  }
  section.append(h('div', { className: 'graph-scroll' }, canvas as unknown as Node));

  const overridden = new Map<string, string>();
  for (const o of result.overrides) overridden.set(`${o.command}`, `${o.winner} overrides ${o.shadowed.join(', ')}`);
  const table = h(
    'table',
    { className: 'grid' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['#', 'plugin', 'version', 'attestation', 'reason', 'commands', 'hooks', 'permissions'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...result.plugins.map((p) => {
        const link = h('a', { href: '#', title: p.entry }, p.name);
        onActivate(link, () => post({ type: 'open', file: p.entry }));
        return h(
          'tr',
          {},
          h('td', {}, String(p.order + 1)),
          h('td', {}, link),
          h('td', {}, p.version),
          h(
            'td',
            { className: `attestation-cell trust-${toneOf(p.entry)}`, 'data-entry': p.entry },
            attestations[p.entry]?.status ?? 'checking…',
          ),
          h('td', {}, p.reason),
          h('td', {}, p.commands.map((c) => (overridden.has(c) ? `${c} (${overridden.get(c)})` : c)).join(', ')),
          h('td', {}, p.hooks.join(', ') || '—'),
          h('td', {}, describePermissions(p.permissions)),
        );
      }),
    ),
  );
  section.append(table);
  if (result.overrides.length)
    section.append(
      h('h3', {}, 'Overrides'),
      h(
        'ul',
        {},
        ...result.overrides.map((o) => h('li', {}, `${o.command}: ${o.winner} wins over ${o.shadowed.join(', ')} (loaded last)`)),
      ),
    );
  if (result.notLoaded.length)
    section.append(
      h('h3', {}, 'Not loaded'),
      h(
        'ul',
        { className: 'error' },
        ...result.notLoaded.map((n) => h('li', {}, `${n.name ?? n.entry}: ${n.reasons.map((r) => r.message).join('; ')}`)),
      ),
    );
  if (result.problems.length)
    section.append(
      h('h3', {}, 'Problems'),
      h('ul', { className: 'error' }, ...result.problems.map((p) => h('li', {}, `${p.file ?? ''} ${p.message}`))),
    );
  return section;
}
