import { describe, expect, it } from 'vitest';
import { SCENARIOS, SCENARIO_IDS } from '../../src/contract/scenarios.ts';
import { DETECTORS } from '../../src/diagnosis/scenarios/index.ts';

describe('detector registry', () => {
  it('has exactly one detector per scenario id, no more, no less', () => {
    const ids = DETECTORS.map((d) => d.scenario);

    expect([...ids].sort()).toEqual([...SCENARIO_IDS].sort());
  });

  it('keeps the contract ids verbatim from shared/scenarios.md', () => {
    expect(Object.keys(SCENARIOS)).toHaveLength(13);
    expect(SCENARIOS.terminating).toEqual(['finalizer', 'unresponsive', 'node-lost']);
    expect(SCENARIOS['image-pull']).toEqual(['not-found', 'unauthorized', 'network', 'timeout', 'throttled']);
  });

  it('puts oom before liveness-probe before container-exit, so a 137 is explained by its real cause', () => {
    const order = DETECTORS.map((d) => d.scenario);

    expect(order.indexOf('oom')).toBeLessThan(order.indexOf('liveness-probe'));
    expect(order.indexOf('liveness-probe')).toBeLessThan(order.indexOf('container-exit'));
    expect(order.indexOf('image-pull')).toBeLessThan(order.indexOf('init'));
  });
});
