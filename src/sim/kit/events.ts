/**
 * Events as the control plane records them, kept in the store with their count, first and last
 * timestamps, the way the client-go event correlator aggregates repeats of the same event.
 *
 * Two shapes:
 * - `core`: the legacy core/v1 recorder (kubelet, controllers): source.component, count,
 *   firstTimestamp, lastTimestamp. source: staging/src/k8s.io/client-go/tools/record/event.go, events_cache.go
 * - `series`: the events.k8s.io/v1 recorder (kube-scheduler), read back through core/v1: eventTime with
 *   microseconds, series {count, lastObservedTime} once it repeats, firstTimestamp/lastTimestamp null,
 *   reportingComponent and action. source: staging/src/k8s.io/client-go/tools/events/event_recorder.go,
 *   event_broadcaster.go (series), pkg/scheduler/schedule_one.go (reason FailedScheduling, action Scheduling).
 */
import type { ObjectReference } from '../../contract/k8s.ts';
import type { KubeObject, ObjectStore } from '../store.ts';
import { iso, isoMicro } from './ids.ts';

export interface EventSource {
  component: string;
  host?: string;
}

export interface EventProto {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  source: EventSource;
  style?: 'core' | 'series';
  /** events.k8s.io action (series style). */
  action?: string;
  /** reportingInstance for the series style (e.g. default-scheduler-<host>). */
  reportingInstance?: string;
}

export interface EventSpec extends EventProto {
  /** Stable identity of the aggregated event within its object, e.g. "BackOff|spec.containers{web}". */
  key: string;
  involved: ObjectReference & { kind: string; name: string };
  /** The namespace the event object lives in (kubelet node events go to "default"). */
  namespace: string;
  count: number;
  firstMs: number;
  lastMs: number;
}

/** Collects occurrences of events (one-off or periodic) and aggregates them per key. */
export class Occurrences {
  private readonly byKey = new Map<string, { proto: EventProto; count: number; first: number; last: number }>();

  add(key: string, proto: EventProto, atMs: number, times = 1): void {
    if (times <= 0) return;
    const found = this.byKey.get(key);
    if (found) {
      found.count += times;
      found.first = Math.min(found.first, atMs);
      found.last = Math.max(found.last, atMs);
      found.proto = proto;
    } else {
      this.byKey.set(key, { proto, count: times, first: atMs, last: atMs });
    }
  }

  /** Occurrences at fromMs, fromMs + period, … strictly before toMs (and not after untilMs). */
  addPeriodic(key: string, proto: EventProto, fromMs: number, toMs: number, periodMs: number): void {
    if (toMs <= fromMs) return;
    const n = Math.ceil((toMs - fromMs) / periodMs);
    if (n <= 0) return;
    const found = this.byKey.get(key);
    const last = fromMs + (n - 1) * periodMs;
    if (found) {
      found.count += n;
      found.first = Math.min(found.first, fromMs);
      found.last = Math.max(found.last, last);
      found.proto = proto;
    } else {
      this.byKey.set(key, { proto, count: n, first: fromMs, last });
    }
  }

  toSpecs(involved: EventSpec['involved'], namespace: string): EventSpec[] {
    return [...this.byKey].map(([key, o]) => ({ ...o.proto, key, involved, namespace, count: o.count, firstMs: o.first, lastMs: o.last }));
  }
}

/** Writes aggregated events into the store, creating each once and updating its count afterwards. */
export class EventWriter {
  private readonly names = new Map<string, string>();
  private sequence = 0;

  private readonly store: ObjectStore;

  constructor(store: ObjectStore) {
    this.store = store;
  }

  private identity(spec: EventSpec): string {
    return `${spec.namespace}/${spec.involved.kind}/${spec.involved.name}/${spec.involved.uid ?? ''}/${spec.key}`;
  }

  write(spec: EventSpec): void {
    if (spec.count <= 0) return;
    const id = this.identity(spec);
    let name = this.names.get(id);
    if (name === undefined) {
      // source: staging/src/k8s.io/client-go/tools/record/event.go (makeEvent: fmt.Sprintf("%v.%x", ref.Name, t.UnixNano()))
      this.sequence += 1;
      const nanos = BigInt(Math.floor(spec.firstMs)) * 1_000_000n + BigInt(this.sequence % 1_000_000);
      name = `${spec.involved.name}.${nanos.toString(16)}`;
      this.names.set(id, name);
    }
    const object = toEventObject(spec, name);
    const existing = this.store.get('events', spec.namespace, name);
    if (existing === undefined) {
      this.store.create(object, { resource: 'events' });
      return;
    }
    const next = structuredClone(existing) as KubeObject;
    Object.assign(next, object, { metadata: { ...next.metadata, ...object.metadata, resourceVersion: undefined } });
    this.store.update(next, { resource: 'events' });
  }

  writeAll(specs: readonly EventSpec[]): void {
    for (const s of specs) this.write(s);
  }
}

function toEventObject(spec: EventSpec, name: string): KubeObject {
  const involvedObject = { apiVersion: 'v1', ...spec.involved, ...(spec.involved.kind !== 'Node' ? { namespace: spec.namespace } : {}) };
  const metadata = { name, namespace: spec.namespace, creationTimestamp: iso(spec.firstMs) };
  if (spec.style === 'series') {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata,
      involvedObject,
      type: spec.type,
      reason: spec.reason,
      action: spec.action,
      message: spec.message,
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: isoMicro(spec.firstMs, 214733),
      ...(spec.count > 1 ? { series: { count: spec.count, lastObservedTime: isoMicro(spec.lastMs, 402118) } } : {}),
      reportingComponent: spec.source.component,
      reportingInstance: spec.reportingInstance ?? spec.source.component,
      source: {},
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata,
    involvedObject,
    type: spec.type,
    reason: spec.reason,
    message: spec.message,
    count: spec.count,
    firstTimestamp: iso(spec.firstMs),
    lastTimestamp: iso(spec.lastMs),
    eventTime: null,
    source: spec.source.host ? { component: spec.source.component, host: spec.source.host } : { component: spec.source.component },
    reportingComponent: spec.source.component,
    reportingInstance: spec.source.host ?? '',
  };
}
