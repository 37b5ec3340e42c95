// Load order: each workspace folder's plugins as a dependency graph laid out by ELK (layered), with
// the order, reasons, commands, hooks and overrides beside it. A node opens the plugin's source.
import ELK, { type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { LoadOrderResult } from './protocol';
import { describePermissions } from '../../runtime/src/model/permissions';
import { h, onActivate, post } from './vscodeApi';

const elk = new ELK();
const NODE_W = 170;
const NODE_H = 46;
const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export async function renderLoadOrder(root: HTMLElement, results: LoadOrderResult[], error?: string): Promise<void> {
  root.replaceChildren(
    h(
      'div',
      { className: 'toolbar' },
      h('h1', {}, 'Plugin load order'),
      h('button', { onclick: () => post({ type: 'refresh' }), title: 'Ask the language server again' }, 'Refresh'),
    ),
  );
  if (error) root.append(h('p', { className: 'error', role: 'alert' }, error));
  if (results.length === 0 && !error) root.append(h('p', { className: 'muted' }, 'No AetherScript workspace folder.'));
  for (const result of results) root.append(await renderFolder(result));
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
      class: `node ${plugin.source}`,
      tabindex: 0,
      role: 'button',
      'aria-label': `${plugin.order + 1}. ${plugin.name} ${plugin.version}: ${plugin.reason}. Enter opens the source.`,
    });
    const title = svg('title', {});
    title.textContent = `${plugin.name}@${plugin.version}\n${plugin.reason}\ncommands: ${plugin.commands.join(', ')}\nhooks: ${plugin.hooks.join(', ') || '—'}\npermissions: ${describePermissions(plugin.permissions)}`;
    g.append(title, svg('rect', { width: NODE_W, height: NODE_H, rx: 4 }));
    const label = svg('text', { x: 10, y: 19, class: 'name' });
    label.textContent = `${plugin.order + 1}. ${plugin.name}`;
    const sub = svg('text', { x: 10, y: 36, class: 'sub' });
    sub.textContent = `${plugin.version} · ${plugin.commands.length} cmd · ${plugin.hooks.length} hooks`;
    g.append(label, sub);
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
      h('tr', {}, ...['#', 'plugin', 'version', 'reason', 'commands', 'hooks', 'permissions'].map((t) => h('th', { scope: 'col' }, t))),
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
