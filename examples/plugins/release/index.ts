// release: version bumping and a publish dry run. Depends on bundler (it publishes what `bundle`
// produced) and core-tools, so it always loads after both.
//   version-bump    computes the next semver version and stores it in state.version
//   publish-dryrun  reports what `npm publish` would do; writes and uploads nothing
// Its pre-execute hook fills in the dist-tag of a publish-dryrun step that has none: `latest`
// for a release, the config's `prereleaseTag` (default `next`) for a prerelease. The hook
// returns { input }, which the runtime validates again against the command's input schema.
import { createHash } from 'node:crypto';
import type { Plugin, PluginMeta, ExecutionContext, HookEvent, HookResult, JsonValue } from 'aetherscript-core';

type Part = 'major' | 'minor' | 'patch' | 'prerelease';
interface BumpInput {
  current: string;
  part: Part;
  preid?: string;
}
interface PublishInput {
  artifact: string;
  version: string;
  name?: string;
  tag?: string;
}
interface ReleaseConfig {
  registry?: string;
  access?: 'public' | 'restricted';
  prereleaseTag?: string;
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function commandOf(ctx: ExecutionContext): string {
  return (ctx.command ?? ctx.step?.command ?? '').split('/').pop() ?? '';
}

/** The next version; throws on an invalid current version. */
function bump(current: string, part: Part, preid = 'rc'): string {
  const m = SEMVER.exec(current.trim());
  if (!m) throw new Error(`"${current}" is not a semver version (expected MAJOR.MINOR.PATCH)`);
  let major = Number(m[1]);
  let minor = Number(m[2]);
  let patch = Number(m[3]);
  const pre = m[4];
  switch (part) {
    case 'major':
      return `${major + 1}.0.0`;
    case 'minor':
      return `${major}.${minor + 1}.0`;
    case 'patch':
      return pre ? `${major}.${minor}.${patch}` : `${major}.${minor}.${patch + 1}`;
    case 'prerelease': {
      const n = pre?.startsWith(`${preid}.`) ? Number(pre.slice(preid.length + 1)) : NaN;
      if (Number.isInteger(n)) return `${major}.${minor}.${patch}-${preid}.${n + 1}`;
      if (!pre) patch += 1;
      return `${major}.${minor}.${patch}-${preid}.0`;
    }
  }
}

export default class Release implements Plugin {
  static meta: PluginMeta = {
    name: 'release',
    version: '1.0.0',
    description: 'Semver bumps and publish dry runs.',
    engines: { aetherscript: '^1.0.0' },
    dependencies: { bundler: '^2.0.0', 'core-tools': '>=1.1.0 <2' },
    commands: {
      'version-bump': {
        description: 'Compute the next version from `current`; stores it in state.version and returns { previous, version }.',
        input: {
          type: 'object',
          required: ['current', 'part'],
          additionalProperties: false,
          properties: {
            current: { type: 'string', description: 'The current version, e.g. 1.4.2.' },
            part: { type: 'string', enum: ['major', 'minor', 'patch', 'prerelease'], description: 'Which part to bump.' },
            preid: { type: 'string', pattern: '^[0-9A-Za-z-]+$', description: 'Prerelease id for part: prerelease (default rc).' },
          },
        },
      },
      'publish-dryrun': {
        description: 'Report what publishing the artifact would do: package, version, dist-tag, registry, integrity.',
        input: {
          type: 'object',
          required: ['artifact', 'version'],
          additionalProperties: false,
          properties: {
            artifact: { type: 'string', minLength: 1, description: 'The file to publish, e.g. ${{ steps.build.output.path }}.' },
            version: { type: 'string', minLength: 1, description: 'The version to publish.' },
            name: { type: 'string', description: 'Package name (default: the pipeline name).' },
            tag: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', description: 'npm dist-tag; filled in by the pre-execute hook when absent.' },
          },
        },
      },
    },
    hooks: ['pre-execute'],
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        registry: { type: 'string', pattern: '^https?://', description: 'Registry URL (default https://registry.npmjs.org/).' },
        access: { type: 'string', enum: ['public', 'restricted'], description: 'Package access (default public).' },
        prereleaseTag: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', description: 'dist-tag for prereleases (default next).' },
      },
    },
  };

  async execute(ctx: ExecutionContext): Promise<JsonValue> {
    const command = commandOf(ctx);
    if (command === 'version-bump') {
      const input = ctx.input as unknown as BumpInput;
      const version = bump(input.current, input.part, input.preid);
      ctx.state.set('version', version);
      ctx.log.info(`version ${input.current} -> ${version} (${input.part})`);
      return { previous: input.current.replace(/^v/, ''), version };
    }
    if (command === 'publish-dryrun') {
      const input = ctx.input as unknown as PublishInput;
      const config = (ctx.config ?? {}) as ReleaseConfig;
      if (!SEMVER.test(input.version)) throw new Error(`cannot publish "${input.version}": not a semver version`);
      const name = input.name ?? ctx.pipeline.name;
      const tag = input.tag ?? 'latest';
      const registry = config.registry ?? 'https://registry.npmjs.org/';
      const integrity = 'sha512-' + createHash('sha512').update(`${name}@${input.version}:${input.artifact}`).digest('base64');
      ctx.log.info(`dry run: would publish ${name}@${input.version} (${input.artifact}) to ${registry} with tag "${tag}"`);
      ctx.state.set('published', `${name}@${input.version}`);
      return { package: name, version: input.version, tag, registry, access: config.access ?? 'public', artifact: input.artifact, integrity, dryRun: true };
    }
    throw new Error(`release has no command "${ctx.command}"`);
  }

  onHook(event: HookEvent, ctx: ExecutionContext): HookResult {
    if (event !== 'pre-execute' || commandOf(ctx) !== 'publish-dryrun') return;
    // A qualified `run: other-plugin/publish-dryrun` is not ours to touch.
    const written = ctx.step?.command ?? '';
    if (written.includes('/') && !written.startsWith('release/')) return;
    const input = (ctx.input ?? ctx.step?.input ?? {}) as unknown as PublishInput;
    if (input.tag) return;
    const config = (ctx.config ?? {}) as ReleaseConfig;
    const tag = /-/.test(input.version ?? '') ? (config.prereleaseTag ?? 'next') : 'latest';
    ctx.log.info(`no dist-tag given; using "${tag}" for ${input.version}`);
    return { input: { ...(input as unknown as Record<string, JsonValue>), tag } };
  }
}
