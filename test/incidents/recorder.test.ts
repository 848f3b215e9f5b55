import { describe, expect, it } from 'vitest';
import type { NotifyCommand } from '../../src/contract/incident.ts';
import { IncidentManager } from '../../src/incidents/manager.ts';
import { MemoryIncidentStore } from '../../src/incidents/memory-store.ts';
import { markPosted } from '../../src/incidents/posted.ts';
import { IncidentRecorder } from '../../src/incidents/recorder.ts';
import { createLogger } from '../../src/log.ts';
import { ChannelRouter, ChannelRouting, parseChannelSeverities } from '../../src/notify/channel-routing.ts';
import { diagnosisOf } from '../support/notify-commands.ts';
import { FIXTURE_NOW, podSnapshot } from '../support/fixtures.ts';

const T0 = Date.parse(FIXTURE_NOW);
// A readiness failure is a warning; a container exiting at start is critical (src/contract/severity.ts).
const READINESS = 'readiness-probe/failed/http-503-dependency.yaml';
const CRASH = 'container-exit/immediate/exit-1-config-error.yaml';

function setup(annotations: Record<string, string> = {}) {
  const store = new MemoryIncidentStore({ now: () => T0 });
  const manager = new IncidentManager({ store, now: () => T0 });
  const enqueued: NotifyCommand[] = [];
  const router = new ChannelRouter({
    routing: ChannelRouting.parse({ defaultChannel: 'C0OPS' }),
    severities: parseChannelSeverities('C0OPS=critical,alerts=warning'),
    annotationOf: (namespace) => annotations[namespace],
  });
  const recorder = new IncidentRecorder({
    cluster: 'prod',
    manager,
    channelFor: (namespace) => router.channelFor(namespace),
    takes: (channel, cause) => router.takes(channel, cause),
    notify: { enqueue: async (command) => void enqueued.push(command) },
    log: createLogger({ level: 'silent' }),
  });
  return { recorder, enqueued };
}

async function record(recorder: IncidentRecorder, fixture: string): Promise<void> {
  const snapshot = podSnapshot(fixture);
  await recorder.record(diagnosisOf(snapshot), snapshot);
}

describe('IncidentRecorder routing', () => {
  it('opens an incident in a channel whose minimum the diagnosis meets', async () => {
    const { recorder, enqueued } = setup();

    await record(recorder, CRASH);

    expect(enqueued.map((c) => [c.type, c.type === 'open' ? c.incident.channel : ''])).toEqual([['open', 'C0OPS']]);
    expect(await recorder.openIncidents()).toHaveLength(1);
  });

  it('does not record a diagnosis below its channel\'s minimum: no incident, no message, nothing due later', async () => {
    const { recorder, enqueued } = setup();

    await record(recorder, READINESS);
    await recorder.flushDue();

    expect(enqueued).toEqual([]);
    expect(await recorder.openIncidents()).toEqual([]);
  });

  it('routes by the namespace annotation first, and applies the minimum of the annotated channel', async () => {
    const namespace = podSnapshot(READINESS).pod.metadata.namespace ?? '';
    const { recorder, enqueued } = setup({ [namespace]: '#alerts' });

    await record(recorder, READINESS);

    expect(enqueued.map((c) => [c.type, c.type === 'open' ? c.incident.channel : ''])).toEqual([['open', '#alerts']]);
  });
});

describe('IncidentRecorder.flushDue', () => {
  it('called while a pass runs, returns only after a pass that saw what was due when it was called', async () => {
    let now = T0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let passes = 0;
    // The timer's pass reads the clock (nothing due yet), then waits (a slow Redis round trip) before it returns.
    class SlowManager extends IncidentManager {
      override async flushDue(cluster: string): Promise<NotifyCommand[]> {
        passes += 1;
        const commands = await super.flushDue(cluster);
        if (passes === 1) await gate;
        return commands;
      }
    }
    const store = new MemoryIncidentStore({ now: () => now });
    const manager = new SlowManager({ store, now: () => now, settings: { resolveAfterMs: 5_000 } });
    const enqueued: NotifyCommand[] = [];
    const recorder = new IncidentRecorder({
      cluster: 'prod',
      manager,
      channelFor: () => 'C0OPS',
      notify: { enqueue: async (command) => void enqueued.push(command) },
      log: createLogger({ level: 'silent' }),
    });
    const snapshot = podSnapshot(CRASH);
    await recorder.record(diagnosisOf(snapshot), snapshot);
    const opened = enqueued[0];
    if (opened?.type !== 'open') throw new Error('no open');
    await markPosted(store, opened.incident.id, { channel: 'C0OPS', ts: '1800000000.000001' }); // as deliver.ts does once Slack has it
    await recorder.podHealthy(snapshot.pod.metadata.uid ?? '');

    const timerPass = recorder.flushDue();
    now = T0 + 6_000; // past the resolve delay
    const tick = recorder.flushDue();
    const alsoTick = recorder.flushDue();
    setTimeout(release, 20);
    await Promise.all([tick, alsoTick]);

    expect(enqueued.map((c) => c.type)).toEqual(['open', 'resolve']);
    expect(passes).toBe(2);
    await timerPass;
  });
});
