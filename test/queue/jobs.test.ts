import { describe, expect, it } from 'vitest';
import { dedupIdOf, parseDiagnoseJob, queueNameFor, shardOf, type DiagnoseJob } from '../../src/queue/jobs.ts';

const watch: DiagnoseJob = {
  trigger: 'watch',
  cluster: 'prod-eu',
  namespace: 'shop',
  subject: { kind: 'Pod', name: 'web-7d9f8b6c5-x2x9k', uid: '5d1c0c52-0b0e-4a6e-9a51-1f0f5b7c2a01' },
  candidateCause: 'image-pull.unauthorized',
  enqueuedAt: '2026-11-20T12:00:00Z',
};
const command: DiagnoseJob = {
  trigger: 'command',
  cluster: 'prod-eu',
  subject: { kind: 'Query', query: 'shop/web' },
  requestId: '1234567890.123456.abcdef',
  replyTo: { channel: 'C0123ABC', threadTs: '1732104000.000100', user: 'U0456DEF' },
  enqueuedAt: '2026-11-20T12:00:00.000Z',
};
const rediagnose: DiagnoseJob = {
  trigger: 'rediagnose',
  cluster: 'prod-eu',
  namespace: 'shop',
  subject: { kind: 'Workload', ownerKind: 'ReplicaSet', name: 'web-7d9f8b6c5', uid: '9b0e7c1e-1111-4c33-9a51-0a0b0c0d0e01' },
  requestId: 'click-42',
  enqueuedAt: '2026-11-20T12:00:00+01:00',
};

describe('DiagnoseJob schema', () => {
  it.each([watch, command, rediagnose])('parses a valid $trigger job to an equal value', (job) => {
    const parsed = parseDiagnoseJob(JSON.parse(JSON.stringify(job)));

    expect(parsed).toEqual(job);
  });

  it.each([
    ['an object where ids belong', { ...watch, pod: { metadata: { name: 'web' } } }, 'pod'],
    ['a hint with a colon', { ...watch, candidateHint: 'crash:loop' }, 'candidateHint'],
    ['a uid with a colon', { ...watch, subject: { ...watch.subject, uid: 'a:b' } }, 'subject.uid'],
    ['a cause that is not in the contract', { ...watch, candidateCause: 'image-pull.mystery' }, 'candidateCause'],
    ['a cluster name with a colon', { ...watch, cluster: 'prod:eu' }, 'cluster'],
    ['a timestamp that is not RFC 3339', { ...watch, enqueuedAt: 'yesterday' }, 'enqueuedAt'],
    ['a command without replyTo', { ...command, replyTo: undefined }, 'replyTo'],
    ['a watch job about a free-text query', { ...watch, subject: { kind: 'Query', query: 'web' } }, 'subject'],
    ['an unknown trigger', { ...watch, trigger: 'cron' }, 'trigger'],
  ])('rejects %s with bad-input naming the field', (_name, data, path) => {
    let error: unknown;
    try {
      parseDiagnoseJob(data);
    } catch (caught) {
      error = caught;
    }

    expect(error).toMatchObject({ code: 'bad-input' });
    const issues = (error as { details: { issues: { path: string; message: string }[] } }).details.issues;
    expect(issues.some((issue) => issue.path.startsWith(path) || issue.message.includes(`"${path}"`))).toBe(true);
  });
});

describe('dedupIdOf', () => {
  it('is per cluster, uid and cause for watch jobs, per uid for rediagnose, per request for commands, never with a colon', () => {
    const ids = [
      watch,
      { ...watch, candidateCause: undefined, candidateHint: 'crash' } as DiagnoseJob,
      { ...watch, candidateCause: undefined } as DiagnoseJob,
      rediagnose,
      command,
    ].map(dedupIdOf);

    expect(ids).toEqual([
      'prod-eu-5d1c0c52-0b0e-4a6e-9a51-1f0f5b7c2a01-image-pull.unauthorized',
      'prod-eu-5d1c0c52-0b0e-4a6e-9a51-1f0f5b7c2a01-crash',
      'prod-eu-5d1c0c52-0b0e-4a6e-9a51-1f0f5b7c2a01-any',
      'prod-eu-9b0e7c1e-1111-4c33-9a51-0a0b0c0d0e01-rediagnose',
      'prod-eu-command-1234567890.123456.abcdef',
    ]);
    expect(ids.every((id) => !id.includes(':'))).toBe(true);
  });

  it('names one queue per cluster', () => {
    expect(queueNameFor('prod-eu')).toBe('podwhy-diagnose-prod-eu');
    expect(() => queueNameFor('prod:eu')).toThrow();
  });

  it('names one queue per shard: the same namespaces in any order are one shard, other namespaces another', () => {
    const shard = shardOf(['shop', 'pay']);
    expect(shard).toMatch(/^[0-9a-f]{12}$/);
    expect(shardOf(['pay', 'shop', 'pay'])).toBe(shard);
    expect(shardOf(['pay'])).not.toBe(shard);
    expect(shardOf([])).toBeUndefined();
    expect(queueNameFor('prod-eu', shard)).toBe(`podwhy-diagnose-prod-eu.shard-${String(shard)}`);
  });
});
