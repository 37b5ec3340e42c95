// A plugin's detail page: the registry's latest version as checked from its tarball, its README
// rendered by markdown-it (raw HTML off, so a README cannot inject markup; links limited to http(s),
// mailto and in-page anchors; the CSP blocks scripts and remote content anyway), and the button that
// installs, updates or removes it.
import type { InstalledPlugin, PluginAction, PluginDetail, ToWebview } from './protocol';
import type { SignedBenchmarks } from '../../runtime/src/trust/attestation';
import { describePermissions, type SignedPermissions } from '../../runtime/src/model/permissions';
import { trustTone, toneLabels } from '../src/plugins/pluginsModel';
import { formatMs, h, loadState, post, saveState } from './vscodeApi';
import { renderReadme } from './readme';

type DetailMessage = Extract<ToWebview, { type: 'pluginDetail' }>;

function badge(status: string, text = status): HTMLElement {
  const tone = trustTone(status);
  return h('span', { className: `badge trust-${tone}`, title: toneLabels[tone] }, text);
}

function section(title: string, ...children: Array<Node | string | undefined | false>): HTMLElement {
  return h('section', { className: 'detail-section', 'aria-label': title }, h('h2', {}, title), ...children);
}

function permissionsList(p: SignedPermissions | undefined): HTMLElement {
  if (!p || (p.fs.read.length === 0 && p.fs.write.length === 0 && p.env.length === 0))
    return h('p', { className: 'muted' }, describePermissions(p));
  const row = (what: string, items: string[]) =>
    items.length ? h('tr', {}, h('th', { scope: 'row' }, what), h('td', {}, ...items.map((i) => h('code', {}, i)))) : undefined;
  return h(
    'table',
    { className: 'grid kv' },
    h('tbody', {}, row('writes', p.fs.write), row('reads', p.fs.read), row('environment', p.env)),
  );
}

function benchmarksTable(b: SignedBenchmarks | undefined): HTMLElement {
  if (!b || !Array.isArray(b.benchmarks))
    return h('p', { className: 'muted' }, 'No signed benchmark figures (the attestation records none, or it is not verified).');
  return h(
    'div',
    {},
    h(
      'p',
      { className: 'muted' },
      `Measured ${new Date(b.time).toLocaleString()} (${b.source}) on ${b.machine.cpu} × ${b.machine.cores}, Node ${b.machine.node}; reference no-op median ${formatMs(b.reference.medianMs)}.`,
    ),
    h(
      'table',
      { className: 'grid' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['benchmark', 'status', 'median', 'p99', 'ops/s', '× no-op', 'heap growth'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        ...b.benchmarks.map((f) =>
          h(
            'tr',
            {},
            h('td', {}, f.name),
            h('td', {}, f.status),
            h('td', {}, fmt(f.medianMs)),
            h('td', {}, fmt(f.p99Ms)),
            h('td', {}, Math.round(f.opsPerSec).toLocaleString()),
            h('td', {}, f.ratio !== undefined ? f.ratio.toFixed(1) : '—'),
            h('td', {}, `${(f.heapGrowthBytes / 1024).toFixed(0)} KB`),
          ),
        ),
      ),
    ),
  );
}

function fmt(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : formatMs(ms);
}

interface CommandMeta {
  description?: string;
  input?: unknown;
}

function commandsTable(meta: Record<string, unknown> | undefined, commands: string[] | undefined): HTMLElement {
  const declared = (meta?.commands ?? undefined) as Record<string, CommandMeta> | undefined;
  const names = declared ? Object.keys(declared) : (commands ?? []);
  if (names.length === 0) return h('p', { className: 'muted' }, '—');
  return h(
    'table',
    { className: 'grid' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', { scope: 'col' }, 'command'), h('th', { scope: 'col' }, 'description'), h('th', { scope: 'col' }, 'input')),
    ),
    h(
      'tbody',
      {},
      ...names.map((name) => {
        const c = declared?.[name];
        const props = (c?.input as { properties?: Record<string, unknown>; required?: string[] } | undefined)?.properties;
        const required = new Set((c?.input as { required?: string[] } | undefined)?.required ?? []);
        return h(
          'tr',
          {},
          h('td', {}, h('code', {}, name)),
          h('td', {}, c?.description ?? ''),
          h(
            'td',
            {},
            props
              ? Object.keys(props)
                  .map((k) => `${k}${required.has(k) ? '*' : ''}`)
                  .join(', ')
              : '—',
          ),
        );
      }),
    ),
  );
}

export class PluginDetailView {
  constructor(private readonly root: HTMLElement) {
    root.textContent = 'Loading the plugin…';
  }

  show(message: DetailMessage): void {
    const state = loadState();
    if (state.plugin !== message.name) saveState({ ...state, plugin: message.name });
    const { detail, installed } = message;
    const header = h(
      'div',
      { className: 'toolbar detail-header' },
      h('h1', {}, message.name),
      detail ? h('span', { className: 'version' }, detail.version) : undefined,
      detail ? badge(detail.attestation.status) : installed ? badge(installed.attestation.status) : undefined,
      detail && !detail.compatible
        ? h('span', { className: 'badge trust-failed' }, `incompatible: ${detail.runtimeRange ?? '?'}`)
        : undefined,
      installed
        ? h('span', { className: 'badge installed' }, `installed ${installed.version}${installed.source === 'local' ? ' (local)' : ''}`)
        : undefined,
      ...message.actions.map((action) => this.button(action, message)),
      message.busy ? h('span', { className: 'muted', role: 'status' }, message.busy) : undefined,
      h('button', { className: 'secondary', onclick: () => post({ type: 'refresh' }), title: 'Ask the registry again' }, 'Refresh'),
    );
    const body: Array<HTMLElement | undefined> = [header];
    if (message.loading && !detail)
      body.push(h('p', { className: 'muted', role: 'status' }, 'Fetching and checking the tarball from the registry…'));
    if (message.error) body.push(h('p', { className: 'error', role: 'alert' }, message.error));
    if (detail) body.push(...this.registrySections(detail, installed));
    else if (installed && !message.loading) body.push(...this.installedSections(installed));
    this.root.replaceChildren(...body.filter((x): x is HTMLElement => x !== undefined));
  }

  private button(action: PluginAction, message: DetailMessage): HTMLElement {
    const labels: Record<PluginAction, string> = {
      install: 'Install',
      update: `Update to ${message.detail?.version ?? 'latest'}`,
      remove: 'Remove',
    };
    return h(
      'button',
      {
        className: action === 'remove' ? 'secondary action' : 'action',
        disabled: message.busy !== undefined,
        onclick: () => post({ type: 'pluginAction', action, name: message.name }),
      },
      labels[action],
    );
  }

  private registrySections(d: PluginDetail, installed: InstalledPlugin | undefined): HTMLElement[] {
    const meta = d.meta as Record<string, unknown> | undefined;
    const readme = h('div', { className: 'readme' });
    // markdown-it with html: false escapes every tag of the source; its output is the only HTML set here.
    readme.innerHTML = d.readme ? renderReadme(d.readme) : '<p class="muted">No README in the package.</p>';
    const hooks = (d.hooks ?? (Array.isArray(meta?.hooks) ? (meta!.hooks as string[]) : [])) as string[];
    return [
      h('p', { className: 'description' }, d.description ?? ''),
      h(
        'div',
        { className: 'detail-grid' },
        section(
          'Attestation',
          h(
            'p',
            {},
            badge(d.attestation.status),
            d.attestation.keyId ? h('span', { className: 'muted' }, ` key ${d.attestation.keyId.slice(0, 16)}`) : '',
          ),
          h('p', { className: 'muted' }, d.attestation.message ?? ''),
          d.integrity ? h('p', { className: 'muted mono', title: d.integrity }, `integrity ${d.integrity.slice(0, 30)}…`) : undefined,
        ),
        section(
          'Runtime',
          h(
            'p',
            {},
            h('code', {}, d.runtimeRange ?? 'any'),
            d.compatible ? ' — compatible with this runtime' : ' — not compatible with this runtime',
          ),
          d.registry ? h('p', { className: 'muted' }, `from ${d.registry}`) : undefined,
        ),
        section('Permissions', permissionsList(d.permissions as SignedPermissions | undefined)),
        section(
          'Hooks',
          hooks.length ? h('p', {}, ...hooks.map((x) => h('code', { className: 'chip' }, x))) : h('p', { className: 'muted' }, '—'),
        ),
      ),
      ...(d.problems?.length ? [h('ul', { className: 'error' }, ...d.problems.map((p) => h('li', {}, p)))] : []),
      installed
        ? section(
            'In this workspace',
            h(
              'p',
              {},
              `${installed.version} from ${installed.source === 'local' ? 'plugins/' : 'node_modules'} · `,
              badge(installed.attestation.status),
              ` · ${describePermissions(installed.permissions)}`,
            ),
          )
        : h('span', {}),
      section('Commands', commandsTable(meta, d.commands)),
      section(
        'Configuration schema',
        meta?.config
          ? h('pre', { className: 'schema' }, JSON.stringify(meta.config, null, 2))
          : h('p', { className: 'muted' }, 'None: the plugin takes no block under plugins:.'),
      ),
      section('Signed benchmarks', benchmarksTable(d.benchmarks as SignedBenchmarks | undefined)),
      section('README', readme),
      section(
        `Files (${d.files?.length ?? 0})`,
        h(
          'ul',
          { className: 'files' },
          ...(d.files ?? []).map((f) =>
            h('li', {}, h('code', {}, f.path), h('span', { className: 'muted' }, ` ${(f.size / 1024).toFixed(1)} KB`)),
          ),
        ),
      ),
    ];
  }

  private installedSections(p: InstalledPlugin): HTMLElement[] {
    return [
      h('p', { className: 'description' }, p.description ?? ''),
      section('Attestation', h('p', {}, badge(p.attestation.status)), h('p', { className: 'muted' }, p.attestation.message ?? '')),
      section('Permissions', permissionsList(p.permissions)),
      section('Commands', h('p', {}, ...p.commands.map((c) => h('code', { className: 'chip' }, c)))),
      section('Hooks', h('p', {}, ...p.hooks.map((c) => h('code', { className: 'chip' }, c)))),
    ];
  }
}
