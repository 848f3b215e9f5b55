import { describe, expect, it } from 'vitest';
import { isPodwhyError } from '../../src/errors.ts';
import { parseNotifyCommand } from '../../src/queue/notify-jobs.ts';
import { commandsOfEveryKind, type CommandKind } from '../support/notify-commands.ts';

const commands = await commandsOfEveryKind();
const KINDS = Object.keys(commands) as CommandKind[];

function badInputAt(data: unknown): string[] {
  try {
    parseNotifyCommand(data);
  } catch (error) {
    if (isPodwhyError(error, 'bad-input')) return (error.details.issues as { path: string }[]).map((issue) => issue.path);
    throw error;
  }
  throw new Error('parsed');
}

describe('NotifyJob schema', () => {
  it.each(KINDS)('parses a %s command as the manager emitted it, after a JSON round trip, to an equal value', (kind) => {
    const command = commands[kind];

    const parsed = parseNotifyCommand(JSON.parse(JSON.stringify(command)));

    expect(parsed).toEqual(command);
  });

  it('keeps a field it does not know (an agent one version ahead), and still checks the ones it does', () => {
    const open = structuredClone(commands.open) as Record<string, unknown>;
    open.priority = 'high';
    (open.diagnosis as Record<string, unknown>).confidence = 0.9;

    const parsed = parseNotifyCommand(open) as unknown as Record<string, unknown>;

    expect(parsed.priority).toBe('high');
    expect((parsed.diagnosis as Record<string, unknown>).confidence).toBe(0.9);
  });

  it.each([
    ['an unknown type', { ...commands.open, type: 'explode' }, ['type']],
    ['an update without the message it edits', { ...commands.update, target: undefined }, ['target']],
    ['a cause that is not in the contract', { ...commands.open, diagnosis: { ...(commands.open as { diagnosis: object }).diagnosis, cause: 'oom.mystery' } }, ['diagnosis.cause']],
    ['evidence of an unknown kind', { ...commands.open, diagnosis: { ...(commands.open as { diagnosis: object }).diagnosis, evidence: [{ kind: 'rumour', text: 'x' }] } }, ['diagnosis.evidence.0.kind']],
    ['a cluster name with a colon', { ...commands.reply, cluster: 'prod:eu' }, ['cluster']],
    ['a response_url where the Slack ids go (a bearer credential must not sit in Redis)', { ...commands.reply, replyTo: { channel: 'C0123ABC', response_url: 'https://hooks.slack.com/commands/T0/1/x' } }, ['replyTo']],
  ])('refuses %s, naming where', (_what, data, paths) => {
    expect(badInputAt(data)).toEqual(paths);
  });
});
