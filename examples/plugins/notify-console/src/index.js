// notify-console: a plain-JavaScript plugin (no build step, no TypeScript). Its package.json
// points the runtime at this file with "aetherscript": { "plugin": "./src/index.js" }.
//   notify        writes the message to the run log at the chosen level
//   post-failure  logs every failed step (and a run that fails before any step) as an error
// notify-slack provides a `notify` command too and loads later, so a plain `run: notify` reaches
// notify-slack; `run: notify-console/notify` always reaches this one.

/** @typedef {import('aetherscript-core').ExecutionContext} ExecutionContext */
/** @typedef {import('aetherscript-core').HookEvent} HookEvent */
/** @typedef {import('aetherscript-core').PluginMeta} PluginMeta */

export default class NotifyConsole {
  /** @type {PluginMeta} */
  static meta = {
    name: 'notify-console',
    version: '1.0.0',
    description: 'Notifications on the run log.',
    engines: { aetherscript: '^1.0.0' },
    commands: {
      notify: {
        description: 'Write a message to the run log; returns { delivered: "console", level, message }.',
        input: {
          type: 'object',
          required: ['message'],
          additionalProperties: false,
          properties: {
            message: { type: 'string', minLength: 1, description: 'What to say.' },
            level: { type: 'string', enum: ['info', 'warn', 'error'], description: 'Log level (default info).' },
            channel: { type: 'string', description: 'Ignored by the console; accepted so steps can switch notifiers freely.' },
          },
        },
      },
    },
    hooks: ['post-failure'],
  };

  /** @param {ExecutionContext} ctx */
  async execute(ctx) {
    const command = (ctx.command ?? ctx.step?.command ?? '').split('/').pop();
    if (command !== 'notify') throw new Error(`notify-console has no command "${ctx.command}"`);
    const { message, level = 'info' } = /** @type {{ message: string, level?: 'info' | 'warn' | 'error' }} */ (ctx.input);
    ctx.log[level](`📣 ${message}`);
    const sent = (ctx.state.get('notificationsSent') ?? 0);
    ctx.state.set('notificationsSent', Number(sent) + 1);
    return { delivered: 'console', level, message };
  }

  /**
   * @param {HookEvent} event
   * @param {ExecutionContext} ctx
   */
  async onHook(event, ctx) {
    if (event !== 'post-failure') return;
    if (ctx.step) {
      ctx.log.error(`step "${ctx.step.id}" (${ctx.step.command}) failed: ${ctx.error ?? 'unknown error'}`);
    } else {
      ctx.log.error(`pipeline "${ctx.pipeline.name}" failed before any step ran: ${ctx.error ?? 'unknown error'}`);
    }
  }
}
