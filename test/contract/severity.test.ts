import { describe, expect, it } from 'vitest';
import { ALL_CAUSE_IDS } from '../../src/contract/scenarios.ts';
import { meetsSeverity, SEVERITIES, severityOf } from '../../src/contract/severity.ts';

describe('severityOf', () => {
  it('gives every cause id one of the contract severities', () => {
    for (const cause of ALL_CAUSE_IDS) expect(SEVERITIES).toContain(severityOf(cause));
  });

  it.each([
    ['oom.container-limit', 'critical'],
    ['readiness-probe.failed', 'warning'],
    ['hook.post-start', 'critical'],
    ['hook.pre-stop', 'warning'],
    ['terminating.finalizer', 'warning'],
    ['terminating.node-lost', 'critical'],
    ['evicted.memory', 'warning'],
  ] as const)('%s is %s', (cause, severity) => {
    expect(severityOf(cause)).toBe(severity);
  });
});

describe('meetsSeverity', () => {
  it('orders warning below critical', () => {
    expect(meetsSeverity('critical', 'warning')).toBe(true);
    expect(meetsSeverity('critical', 'critical')).toBe(true);
    expect(meetsSeverity('warning', 'critical')).toBe(false);
  });
});
