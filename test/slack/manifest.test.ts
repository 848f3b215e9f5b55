import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * The Slack app manifest declares the fewest bot scopes the code needs (issue 8, item 8). This test finds
 * every Web API method the code calls and checks that the manifest covers it, and that no declared scope
 * goes unused. Adding `client.users.info(…)` without `users:read` in the manifest fails here.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const MANIFEST = join(ROOT, 'deploy', 'slack-app-manifest.yaml');
/** Where the app's own calls live; the emulator implements the Web API, it does not call it. */
const SCANNED = ['src', 'handlers'];
const NOT_SCANNED = ['src/slack-emulator'];

/** `none`: the method needs no scope; `anyOf`: one of these, depending on the conversation type. */
type Requirement = { none: true } | { allOf: string[] } | { anyOf: string[] };

/**
 * Bot scopes per Web API method, from each method's reference page ("Required scopes", Bot token), at
 * https://docs.slack.dev/reference/methods/<method>. A method the code calls that is missing here fails the
 * test: look it up and add it.
 */
const METHOD_SCOPES: Readonly<Record<string, Requirement>> = {
  'chat.postMessage': { allOf: ['chat:write'] },
  'chat.update': { allOf: ['chat:write'] },
  'chat.delete': { allOf: ['chat:write'] },
  'chat.postEphemeral': { allOf: ['chat:write'] },
  'chat.getPermalink': { none: true },
  'views.publish': { none: true },
  'views.open': { none: true },
  'views.update': { none: true },
  'views.push': { none: true },
  'auth.test': { none: true },
  'users.info': { allOf: ['users:read'] },
  // https://docs.slack.dev/reference/methods/bots.info: bot tokens need users:read.
  'bots.info': { allOf: ['users:read'] },
  // https://docs.slack.dev/reference/methods/users.setPresence
  'users.setPresence': { allOf: ['users:write'] },
  'users.lookupByEmail': { allOf: ['users:read.email'] },
  // https://docs.slack.dev/reference/methods/users.info: the profile's email field is there only with users:read.email.
  'users.info#profile.email': { allOf: ['users:read.email'] },
  // https://docs.slack.dev/reference/methods/usergroups.list, usergroups.users.list
  'usergroups.list': { allOf: ['usergroups:read'] },
  'usergroups.users.list': { allOf: ['usergroups:read'] },
  // channels:read for public channels, groups:read for private ones, im:read / mpim:read for DMs.
  'conversations.info': { anyOf: ['channels:read', 'groups:read', 'im:read', 'mpim:read'] },
  'conversations.join': { allOf: ['channels:join'] },
  'reactions.add': { allOf: ['reactions:write'] },
};

/**
 * Bot scopes per subscribed event, from https://docs.slack.dev/reference/events/<event> ("Required scopes").
 * app_home_opened needs none.
 */
const EVENT_SCOPES: Readonly<Record<string, string[]>> = {
  app_home_opened: [],
};

/** Calls the code makes without spelling them out. */
const INDIRECT_CALLS: readonly { method: string; why: string; when?: RegExp }[] = [
  // Bolt's App constructor verifies the bot token (tokenVerificationEnabled → auth.test), the gateway's App included.
  { method: 'auth.test', why: 'Bolt App verifies its token at start' },
  // Bolt's say() is chat.postMessage in the event's channel.
  { method: 'chat.postMessage', why: "Bolt's say()", when: /\bsay\(\s*[{'"`]/ },
  // Reading a user's email from a users.info answer is a call of its own as far as scopes go.
  { method: 'users.info#profile.email', why: 'the email of a users.info answer', when: /\bprofile\??\.email\b/ },
];

/** Web API method families, so `foo.chat.update(` counts and `cache.pods.get(` does not. */
const FAMILIES = ['admin', 'apps', 'auth', 'bookmarks', 'bots', 'chat', 'conversations', 'dnd', 'emoji', 'files', 'pins', 'reactions', 'reminders', 'search', 'team', 'usergroups', 'users', 'views', 'workflows'];
const CLIENT_CALL = new RegExp(`\\bclient\\.(${FAMILIES.join('|')})\\.([a-zA-Z]+(?:\\.[a-zA-Z]+)?)\\(`, 'g');
const API_CALL = /\bapiCall\(\s*['"`]([a-z]+(?:\.[a-zA-Z]+)+)['"`]/g;

/** Web API methods a source file calls, directly or through the indirect calls above. */
function methodsCalledIn(source: string): string[] {
  const methods = new Set<string>();
  for (const match of source.matchAll(CLIENT_CALL)) methods.add(`${match[1]}.${match[2]}`);
  for (const match of source.matchAll(API_CALL)) methods.add(match[1] as string);
  for (const call of INDIRECT_CALLS) if (call.when?.test(source)) methods.add(call.method);
  return [...methods];
}

function sourceFiles(): { path: string; text: string }[] {
  return SCANNED.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(ROOT, dir, f))
      .filter((path) => !NOT_SCANNED.some((skip) => relative(ROOT, path).startsWith(skip)))
      .map((path) => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') })),
  );
}

interface Manifest {
  features?: { slash_commands?: unknown[] };
  oauth_config?: { scopes?: { bot?: string[]; user?: string[] } };
  settings?: { event_subscriptions?: { bot_events?: string[] } };
}

const manifest = parse(readFileSync(MANIFEST, 'utf8')) as Manifest;
const declared = manifest.oauth_config?.scopes?.bot ?? [];

/** The methods (of `called`) whose scopes the manifest does not declare, with why. */
function uncovered(called: readonly string[], scopes: readonly string[]): string[] {
  return called.flatMap((method) => {
    const requirement = METHOD_SCOPES[method];
    if (!requirement) return [`${method}: not in METHOD_SCOPES (look up its scopes and add it)`];
    if ('allOf' in requirement) {
      const missing = requirement.allOf.filter((s) => !scopes.includes(s));
      return missing.length > 0 ? [`${method}: needs ${missing.join(', ')}`] : [];
    }
    if ('anyOf' in requirement) return requirement.anyOf.some((s) => scopes.includes(s)) ? [] : [`${method}: needs one of ${requirement.anyOf.join(', ')}`];
    return [];
  });
}

function calledByCode(): Map<string, string[]> {
  const byMethod = new Map<string, string[]>();
  for (const { path, text } of sourceFiles()) for (const method of methodsCalledIn(text)) byMethod.set(method, [...(byMethod.get(method) ?? []), path]);
  for (const call of INDIRECT_CALLS) if (!call.when) byMethod.set(call.method, [...(byMethod.get(call.method) ?? []), `(${call.why})`]);
  return byMethod;
}

describe('deploy/slack-app-manifest.yaml scopes', () => {
  it('finds the Web API calls the code makes (the scan sees the notifier and the App Home)', () => {
    const called = calledByCode();

    expect(called.get('chat.postMessage')).toContain('src/notify/slack-notifier.ts');
    expect(called.get('chat.update')).toContain('src/notify/slack-notifier.ts');
    expect(called.get('views.publish')).toContain('src/slack/app-home.ts');
    // ACTION_AUTHORIZATION=kubernetes: the clicker's email (users:read.email); ACTION_POLICY's user groups (usergroups:read).
    expect(called.get('users.info#profile.email')).toEqual(['src/slack/gateway.ts']);
    expect(called.get('usergroups.users.list')).toEqual(['src/slack/gateway.ts']);
    expect(called.get('usergroups.list')).toEqual(['src/slack/gateway.ts']);
    expect(called.has('auth.test')).toBe(true);
  });

  it('declares a scope for every Web API method the code calls', () => {
    const called = [...calledByCode().keys()].sort();

    expect(uncovered(called, declared)).toEqual([]);
  });

  it('declares no scope that nothing needs (commands for the slash command; events need their own)', () => {
    const called = [...calledByCode().keys()];
    const needed = new Set<string>(called.flatMap((method) => {
      const requirement = METHOD_SCOPES[method];
      if (!requirement || 'none' in requirement) return [];
      return 'allOf' in requirement ? requirement.allOf : requirement.anyOf;
    }));
    if ((manifest.features?.slash_commands ?? []).length > 0) needed.add('commands');
    for (const event of manifest.settings?.event_subscriptions?.bot_events ?? []) {
      const scopes = EVENT_SCOPES[event];
      expect(scopes, `${event}: not in EVENT_SCOPES`).toBeDefined();
      for (const scope of scopes ?? []) needed.add(scope);
    }

    expect(declared.filter((scope) => !needed.has(scope))).toEqual([]);
    expect(manifest.oauth_config?.scopes?.user ?? []).toEqual([]);
  });

  it('would fail for a call to a method the manifest does not cover, or one it does not know', () => {
    const added = methodsCalledIn([
      'await app.client.users.setPresence({ presence });',
      "await web.apiCall('reactions.add', { name: 'eyes' });",
      'await this.#client.admin.conversations.archive({ channel });',
      'await say({ text });',
      'cache.pods.get(uid); client.views.publish({ user_id, view });',
    ].join('\n'));

    expect(added.sort()).toEqual(['admin.conversations.archive', 'chat.postMessage', 'reactions.add', 'users.setPresence', 'views.publish']);
    expect(uncovered(added.sort(), declared)).toEqual([
      'admin.conversations.archive: not in METHOD_SCOPES (look up its scopes and add it)',
      'reactions.add: needs reactions:write',
      'users.setPresence: needs users:write',
    ]);
  });
});
