import { describe, expect, it } from 'vitest';
import { WebClient } from '@slack/web-api';
import { startSlackEmulator } from '../../src/slack-emulator/server.ts';
import { UserGroupLookupError, UserGroups } from '../../src/slack/user-groups.ts';

// The user groups of ACTION_POLICY, looked up over the real WebClient against the emulator's usergroups.* methods.
describe('UserGroups', () => {
  it('resolves an @handle and an id, keeps answers for the TTL, and fails closed when Slack cannot answer', async () => {
    const slack = await startSlackEmulator({ rateLimits: false });
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const clock = { now: 1_000_000 };
    const groups = new UserGroups({
      api: {
        list: async () => ((await client.usergroups.list({})).usergroups ?? []).map((g) => ({ id: g.id ?? '', handle: g.handle ?? '' })),
        members: async (usergroup) => (await client.usergroups.users.list({ usergroup })).users ?? [],
      },
      ttlMs: 60_000,
      now: () => clock.now,
    });
    try {
      slack.workspace.addUserGroup({ id: 'S0ONCALL', handle: 'oncall', users: ['U0BOB'] });
      slack.workspace.addUserGroup({ id: 'S0DBA', handle: 'dba', users: ['U0ALICE'] });

      expect([...(await groups.groupsOf('U0BOB', ['S0DBA', '@oncall']))]).toEqual(['@oncall']);
      expect([...(await groups.groupsOf('U0ALICE', ['@oncall']))]).toEqual([]);
      const calls = slack.calls('usergroups.users.list').length;
      slack.workspace.addUserGroup({ id: 'S0ONCALL', handle: 'oncall', users: [] });
      expect([...(await groups.groupsOf('U0BOB', ['@oncall']))]).toEqual(['@oncall']);
      expect(slack.calls('usergroups.users.list')).toHaveLength(calls);
      clock.now += 60_001;
      expect([...(await groups.groupsOf('U0BOB', ['@oncall']))]).toEqual([]);

      slack.failNext('usergroups.users.list', { error: 'internal_error' });
      clock.now += 60_001;
      const failed = await groups.groupsOf('U0BOB', ['@oncall']).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(UserGroupLookupError);
      expect((failed as UserGroupLookupError).reason).toContain('internal_error');
      await expect(groups.groupsOf('U0BOB', ['@nobody'])).rejects.toThrow('the workspace has no user group with that handle');
      // A group that has the user answers even when another one cannot be read.
      slack.failNext('usergroups.users.list', { error: 'internal_error' });
      clock.now += 60_001;
      expect([...(await groups.groupsOf('U0ALICE', ['S0ONCALL', 'S0DBA']))]).toEqual(['S0DBA']);
      expect(slack.calls('usergroups.users.list').at(-1)?.args).toMatchObject({ usergroup: 'S0DBA' });
    } finally {
      await slack.close();
    }
  });
});
