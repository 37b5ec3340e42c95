// Starting points for "New Plugin" and "New Pipeline": the smallest files that run and pass their tests.

export function pluginSource(name: string): string {
  const className = name.replace(/(^|[-_])(\w)/g, (_m, _s, c: string) => c.toUpperCase()).replace(/\W/g, '');
  return `import type { Plugin, ExecutionContext, HookEvent } from 'aetherscript-core';

export default class ${className} implements Plugin {
  static meta = {
    name: '${name}',
    version: '0.1.0',
    description: 'TODO: what ${name} does',
    engines: { aetherscript: '^1.0.0' },
    commands: {
      greet: {
        description: 'Greets someone',
        input: { type: 'object', properties: { who: { type: 'string' } }, required: ['who'], additionalProperties: false },
      },
    },
    hooks: ['pre-execute'],
  };

  async execute(ctx: ExecutionContext) {
    const { who } = ctx.input as { who: string };
    ctx.log.info(\`hello, \${who}\`);
    ctx.state.set('greeted', who);
    return { greeting: \`hello, \${who}\` };
  }

  async onHook(event: HookEvent, ctx: ExecutionContext) {
    ctx.log.debug(\`\${event} before step \${ctx.step?.id ?? '-'}\`);
  }
}
`;
}

export function pluginPackage(name: string): string {
  return `${JSON.stringify({ name, version: '0.1.0', private: true, type: 'module', aetherscript: { plugin: './index.ts' } }, null, 2)}\n`;
}

export function pluginSandbox(name: string): string {
  return `# Sandbox cases for ${name}: run them from the Testing view, or \`npx aether dev plugin-test plugins/${name}\`.
plugin: ../index.ts
cases:
  - name: greet says hello and remembers who
    command: greet
    input: { who: world }
    expect:
      status: ok
      output: { greeting: hello, world }
      state: { greeted: world }
      logs: [{ level: info, message: /hello, world/ }]

  - name: greet rejects input without who
    command: greet
    input: {}
    expect:
      status: failed
      error: /who/
`;
}

export function pipelineSource(name: string): string {
  return `name: ${name}
description: TODO: what this pipeline does

env:
  GREETING: hello

steps:
  - id: first
    run: echo
    with:
      message: \${{ env.GREETING }} from ${name}

  - id: second
    run: echo
    needs: [first]
    with:
      message: first said \${{ steps.first.output.message }}
`;
}
