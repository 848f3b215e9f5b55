import type { Detector } from '../detector.ts';
import { containerCreate } from './container-create.ts';
import { containerExit } from './container-exit.ts';
import { dependency } from './dependency.ts';
import { evicted } from './evicted.ts';
import { hook } from './hook.ts';
import { imagePull } from './image-pull.ts';
import { init } from './init.ts';
import { livenessProbe } from './liveness-probe.ts';
import { oom } from './oom.ts';
import { readinessProbe } from './readiness-probe.ts';
import { terminating } from './terminating.ts';
import { unknown } from './unknown.ts';
import { unschedulable } from './unschedulable.ts';

/**
 * The detectors in priority order: the engine reports the first that finds something.
 * Each position has a reason, earliest in the Pod's life first, except where a later state
 * makes earlier evidence stale:
 */
export const DETECTORS: readonly Detector[] = [
  // A Pod being deleted that will not go away is the user's problem, whatever else is wrong with it.
  terminating,
  // A lost node makes every container status on it stale; nothing below can be trusted.
  unknown,
  // An evicted Pod is terminal (phase Failed); its containers' states only echo the eviction.
  evicted,
  // Not on a node yet: nothing about containers applies. Also owners with quota FailedCreate.
  unschedulable,
  // Admission or runtime refused to create the Pod or container (owner FailedCreate, CreateContainerError).
  containerCreate,
  // Volumes, ConfigMaps and Secrets must resolve before any container can be created.
  dependency,
  // Images are pulled before containers start (init containers included: Init:ImagePullBackOff is image-pull).
  imagePull,
  // Init containers run to completion before the app containers start.
  init,
  // OOMKilled explains a 137 before a liveness kill or a generic crash could.
  oom,
  // A failed postStart hook kills the container; its restarts are not the app's own exit.
  hook,
  // A liveness (or startup) probe kill explains a 137/143 restart before a generic exit does.
  livenessProbe,
  // The container's own process exited (not OOM, not a probe kill).
  containerExit,
  // Running but never Ready: the last thing to go wrong in a Pod's life.
  readinessProbe,
];
