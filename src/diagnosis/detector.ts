import type { Finding } from '../contract/diagnosis.ts';
import type { ScenarioId } from '../contract/scenarios.ts';
import type { EngineSettings } from '../contract/settings.ts';
import type { Snapshot } from '../contract/snapshot.ts';

/**
 * One scenario's detector: pure, snapshot in, finding out. The clock is snapshot.observedAt.
 * It returns null when its scenario does not hold, and never throws on odd-but-valid objects.
 */
export interface Detector<S extends ScenarioId = ScenarioId> {
  readonly scenario: S;
  detect(snapshot: Snapshot, settings: EngineSettings): Finding<S> | null;
}
