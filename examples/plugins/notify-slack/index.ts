// notify-slack: overrides `notify`. It depends on notify-console, so it always loads after it,
// and the last-loaded provider of a command wins: a plain `run: notify` reaches this plugin,
// while `run: notify-console/notify` still reaches the console one.
// Without a `webhook` in its config it sends nothing: it logs the Slack payload it would post.
import type { Plugin, PluginMeta, ExecutionContext, JsonValue } from 'aetherscript-core';

interface NotifyInput {
  message: string;
  level?: 'info' | 'warn' | 'error';
  channel?: string;
}
interface SlackConfig {
  webhook?: string;
  channel?: string;
  username?: string;
}

const EMOJI = { info: ':rocket:', warn: ':warning:', error: ':rotating_light:' } as const;

export default class NotifySlack implements Plugin {
  static meta: PluginMeta = {
    name: 'notify-slack',
    version: '1.1.0',
    description: 'Notifications to a Slack channel through an incoming webhook (dry run without one).',
    engines: { aetherscript: '^1.0.0' },
    dependencies: { 'notify-console': '^1.0.0' },
    commands: {
      notify: {
        description: 'Post a message to Slack; without a webhook, log the payload instead. Returns { delivered, channel, payload }.',
        input: {
          type: 'object',
          required: ['message'],
          additionalProperties: false,
          properties: {
            message: { type: 'string', minLength: 1, description: 'What to say.' },
            level: { type: 'string', enum: ['info', 'warn', 'error'], description: 'Picks the emoji (default info).' },
            channel: { type: 'string', pattern: '^[#@]', description: 'Overrides the configured channel, e.g. #releases.' },
          },
        },
      },
    },
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        webhook: { type: 'string', pattern: '^https://', description: 'Slack incoming-webhook URL; leave out for a dry run.' },
        channel: { type: 'string', pattern: '^[#@]', description: 'Default channel (default #general).' },
        username: { type: 'string', description: 'Name the message is posted as (default AetherScript).' },
      },
    },
  };

  async execute(ctx: ExecutionContext): Promise<JsonValue> {
    const input = ctx.input as unknown as NotifyInput;
    const config = (ctx.config ?? {}) as SlackConfig;
    const channel = input.channel ?? config.channel ?? '#general';
    const level = input.level ?? 'info';
    const payload = {
      channel,
      username: config.username ?? 'AetherScript',
      icon_emoji: EMOJI[level],
      text: input.message,
    };

    if (!config.webhook) {
      ctx.log.info(`[dry run] would post to ${channel}: ${JSON.stringify(payload)}`);
      return { delivered: 'dry-run', channel, payload };
    }

    const response = await fetch(config.webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: ctx.signal,
    });
    if (!response.ok) throw new Error(`Slack answered ${response.status} ${response.statusText}`);
    ctx.log.info(`posted to ${channel}`);
    return { delivered: 'slack', channel, payload };
  }
}
