/**
 * container-exit: the app's own process exits, at once (a missing config file) or after running (a panic).
 */
import type { Container } from '../../../contract/k8s.ts';
import { crashPlan } from '../plans.ts';
import { type PodPlacement } from '../workloads.ts';
import type { RecipesOf } from './recipe.ts';
import { main } from './support.ts';

const CRASH = {
  // Log lines a crashing app writes (application output, quoted by the container-exit evidence).
  configLogs: (path: string) => [`{"level":"info","msg":"loading configuration","path":"${path}"}`, `Error: open ${path}: no such file or directory`],
  // source: Go runtime (src/runtime/panic.go "panic: ", src/runtime/error.go "invalid memory address or nil pointer
  //   dereference", src/runtime/signal_unix.go "[signal SIGSEGV: segmentation violation code=… addr=… pc=…]",
  //   "goroutine %d [running]:"); an unrecovered panic exits with status 2.
  goPanic: (name: string) => [
    `${name}: connected to queue, consuming`,
    'panic: runtime error: invalid memory address or nil pointer dereference',
    '[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6f4c2a]',
    '',
    'goroutine 42 [running]:',
    `main.(*Worker).deliver(0x0, 0xc0001a2000)`,
    `\t/src/${name}/deliver.go:87 +0x2a`,
  ],
};

export const containerExitRecipes: RecipesOf<'container-exit'> = {
  'container-exit.immediate': {
    cause: 'container-exit.immediate',
    category: 'failing',
    startedSecondsAgo: 1500,
    template(t) {
      main(t).args = ['--config', '/etc/app/config.yaml'];
      delete main(t).readinessProbe;
    },
    plan(_b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // source: containerd internal/cri/server/helpers.go (errorExitReason "Error"); the log line is Go's os.PathError.
      return crashPlan({ createdMs, place: place as PodPlacement, container: c.name, runSeconds: 2, exitCode: 1, reason: 'Error', logs: CRASH.configLogs('/etc/app/config.yaml') });
    },
    replacement: 'same',
    recover: 'rollout',
  },
  'container-exit.after-running': {
    cause: 'container-exit.after-running',
    category: 'failing',
    startedSecondsAgo: 3300,
    template(t) {
      delete main(t).readinessProbe;
    },
    plan(b, pod, place, createdMs) {
      const c = pod.spec.containers[0] as Container;
      // A Go service that panics after four minutes of work: exit 2.
      // Four minutes per run keeps the last crash within the engine's 10-minute "recent restart" window.
      return crashPlan({ createdMs, place: place as PodPlacement, container: c.name, runSeconds: 240, exitCode: 2, reason: 'Error', logs: CRASH.goPanic(b.name), startupLogs: [`${b.name}: connected to queue, consuming`] });
    },
    replacement: 'same',
    recover: 'rollout',
  },
};
