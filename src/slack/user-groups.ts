/**
 * Slack user groups named in ACTION_POLICY (`S0123ABCD` or `@oncall`), resolved at click time (docs/architecture.md,
 * "Button click"): usergroups.list maps a handle to its id, usergroups.users.list gives the members (both need
 * `usergroups:read`, Tier 2: about 20 calls a minute, so answers are kept for a short while). Membership changes
 * in Slack take effect after at most `ttlMs`. A lookup that fails throws UserGroupLookupError, and the caller
 * refuses the click (fail closed): podwhy never guesses that someone is in a group.
 */
/** The two Web API calls, as the gateway's WebClient makes them. */
export interface UserGroupApi {
  /** usergroups.list: every group of the workspace (id and handle). */
  list(): Promise<{ id: string; handle: string }[]>;
  /** usergroups.users.list: the user ids of one group. */
  members(groupId: string): Promise<string[]>;
}

export class UserGroupLookupError extends Error {
  override name = 'UserGroupLookupError';
  readonly group: string;
  readonly reason: string;

  constructor(group: string, reason: string) {
    super(`Could not look up Slack user group ${group}: ${reason}`);
    this.group = group;
    this.reason = reason;
  }
}

/** How long an answer is kept: short, so removing someone from the on-call group takes effect quickly. */
export const USER_GROUP_TTL_MS = 60_000;

export class UserGroups {
  readonly #api: UserGroupApi;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #handles: { ids: Map<string, string>; until: number } | undefined;
  readonly #members = new Map<string, { users: ReadonlySet<string>; until: number }>();

  constructor(options: { api: UserGroupApi; ttlMs?: number; now?: () => number }) {
    this.#api = options.api;
    this.#ttlMs = options.ttlMs ?? USER_GROUP_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Which of `groups` (ids or @handles, as the policy writes them) `user` is in. Stops at the first group that has
   * them; throws UserGroupLookupError when none has them and a lookup failed (the answer is then unknown).
   */
  async groupsOf(user: string, groups: readonly string[]): Promise<ReadonlySet<string>> {
    let failure: UserGroupLookupError | undefined;
    for (const group of groups) {
      try {
        if ((await this.#membersOf(group)).has(user)) return new Set([group]);
      } catch (error) {
        failure ??= error instanceof UserGroupLookupError ? error : new UserGroupLookupError(group, error instanceof Error ? error.message : String(error));
      }
    }
    if (failure) throw failure;
    return new Set();
  }

  async #membersOf(group: string): Promise<ReadonlySet<string>> {
    const id = group.startsWith('@') ? await this.#idOfHandle(group) : group;
    const cached = this.#members.get(id);
    if (cached && cached.until > this.#now()) return cached.users;
    const users = new Set(await this.#api.members(id).catch((error: unknown) => {
      throw new UserGroupLookupError(group, `usergroups.users.list: ${error instanceof Error ? error.message : String(error)}`);
    }));
    this.#members.set(id, { users, until: this.#now() + this.#ttlMs });
    return users;
  }

  async #idOfHandle(group: string): Promise<string> {
    if (!this.#handles || this.#handles.until <= this.#now()) {
      const all = await this.#api.list().catch((error: unknown) => {
        throw new UserGroupLookupError(group, `usergroups.list: ${error instanceof Error ? error.message : String(error)}`);
      });
      this.#handles = { ids: new Map(all.map((g) => [`@${g.handle}`, g.id])), until: this.#now() + this.#ttlMs };
    }
    const id = this.#handles.ids.get(group);
    if (!id) throw new UserGroupLookupError(group, 'the workspace has no user group with that handle');
    return id;
  }
}
