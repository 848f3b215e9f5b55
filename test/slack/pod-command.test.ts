import { describe, expect, it } from 'vitest';
import { parsePodCommand, POD_USAGE } from '../../src/slack/pod-command.ts';

describe('parsePodCommand', () => {
  it.each([
    ['why web-7d9f8b6c5-x2x9k', { verb: 'why', target: 'web-7d9f8b6c5-x2x9k' }],
    ['why web-1 -n shop', { verb: 'why', target: 'web-1', namespace: 'shop' }],
    ['why shop/web-1 --cluster prod', { verb: 'why', target: 'shop/web-1', cluster: 'prod' }],
    ['why deploy/checkout --namespace=shop --cluster=prod', { verb: 'why', target: 'deploy/checkout', namespace: 'shop', cluster: 'prod' }],
    ['  WHY   web-1   ', { verb: 'why', target: 'web-1' }],
    ['web-1 -n shop', { verb: 'why', target: 'web-1', namespace: 'shop' }],
    ['list', { verb: 'list' }],
    ['list -n shop --cluster prod', { verb: 'list', namespace: 'shop', cluster: 'prod' }],
    ['logs web-1', { verb: 'logs', target: 'web-1', previous: false }],
    ['logs web-1 -c app --previous -n shop', { verb: 'logs', target: 'web-1', container: 'app', previous: true, namespace: 'shop' }],
    ['help', { verb: 'help' }],
    ['', { verb: 'help' }],
  ])('reads "%s"', (text, command) => {
    expect(parsePodCommand(text)).toEqual({ ok: true, command });
  });

  it('reads the dashes that smart punctuation makes of "--"', () => {
    expect(parsePodCommand('why web-1 \u2014cluster prod \u2013namespace shop')).toEqual({
      ok: true, command: { verb: 'why', target: 'web-1', cluster: 'prod', namespace: 'shop' },
    });
  });

  it('decodes the entities Slack escapes in command text before parsing', () => {
    const parsed = parsePodCommand('why &lt;!channel&gt;');

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error).toContain('"<!channel>"');
  });

  it.each([
    ['why', '/pod why needs a Pod name'],
    ['why a b', 'takes one Pod name, got 2: a b'],
    ['why Web-1', '"Web-1" is not a Pod name'],
    ['why web-1 -n', 'option "-n" needs a value'],
    ['why web-1 -n Shop', '"Shop" is not a namespace name'],
    ['why web-1 -n shop -n other', 'option "-n" is given twice'],
    ['why web-1 --cluster prod:1', '"prod:1" is not a cluster name'],
    ['why web-1 -c app', 'unknown option "-c" for /pod why'],
    ['list web-1', '/pod list takes no Pod name (got "web-1")'],
    ['logs web-1 --previous=yes', '"--previous" takes no value'],
    ['logs web-1 -c App', '"App" is not a container name'],
    ['delete web-1 now', 'unknown subcommand "delete"'],
    ['--force web-1', 'unknown subcommand "--force"'],
    ['help me', '"help" takes no arguments'],
  ])('refuses "%s" with a specific error and the usage', (text, error) => {
    const parsed = parsePodCommand(text);

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toContain(error);
    expect(parsed.usage).toBe(POD_USAGE);
  });

  it('refuses an overlong text without echoing it', () => {
    const parsed = parsePodCommand(`why ${'a'.repeat(5_000)}`);

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.error.length).toBeLessThan(120);
  });
});
