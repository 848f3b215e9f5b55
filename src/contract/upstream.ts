/**
 * Strings Kubernetes and the container runtimes write that more than one detector matches (and the
 * simulator writes), each defined once with the upstream source it is copied from. Grouped by source.
 * A string only one detector reads stays next to that detector, cited there.
 *
 * Upstream sometimes gives one text several names (the kubelet's "BackOff" is both BackOffStartContainer
 * and BackOffPullImage); here it is one constant whose comment names them all.
 */

// --- staging/src/k8s.io/api/core/v1 -----------------------------------------------------------------

// source: staging/src/k8s.io/api/core/v1/types.go — PodReasonUnschedulable = "Unschedulable", the reason of
//   PodScheduled=False (PodReasonSchedulingGated = "SchedulingGated" is a different state).
export const REASON_UNSCHEDULABLE = 'Unschedulable';
// source: staging/src/k8s.io/api/core/v1/types.go — the DisruptionTarget Pod condition: who asked for the deletion
//   (PodReasonPreemptionByScheduler, PodReasonTerminationByKubelet, …).
export const CONDITION_DISRUPTION_TARGET = 'DisruptionTarget';
// source: staging/src/k8s.io/api/core/v1/types.go — NodeMemoryPressure, NodeDiskPressure, NodePIDPressure, the node
//   conditions pkg/kubelet/nodestatus/setters.go reports (MemoryPressureCondition: reason KubeletHasInsufficientMemory when True).
export const NODE_MEMORY_PRESSURE = 'MemoryPressure';
export const NODE_DISK_PRESSURE = 'DiskPressure';
export const NODE_PID_PRESSURE = 'PIDPressure';

// source: staging/src/k8s.io/api/core/v1/well_known_taints.go — TaintNodeNotReady, TaintNodeUnreachable,
//   TaintNodeUnschedulable, TaintNodeMemoryPressure, TaintNodeDiskPressure, TaintNodePIDPressure,
//   TaintNodeNetworkUnavailable, TaintNodeOutOfService: the taints the node lifecycle controller
//   (TaintNodesByCondition), `kubectl cordon` and an administrator's out-of-service mark put on nodes.
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

// --- kubelet: event reasons (pkg/kubelet/events/event.go) -------------------------------------------

// source: kubernetes pkg/kubelet/events/event.go (FailedToCreateContainer = FailedToStartContainer = FailedToPullImage
//   = "Failed"); the container ones carry "Error: <message>" (pkg/kubelet/kuberuntime/kuberuntime_container.go
//   startContainer), the pull one "Failed to pull image %q: %v" (pkg/kubelet/images/image_manager.go).
export const EVENT_FAILED = 'Failed';
// source: kubernetes pkg/kubelet/events/event.go (BackOffStartContainer = BackOffPullImage = "BackOff")
export const EVENT_BACK_OFF = 'BackOff';
// source: kubernetes pkg/kubelet/events/event.go (KillingContainer = "Killing"); recorded by
//   pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer ("Stopping container %s" unless the caller gives a message).
export const EVENT_KILLING = 'Killing';
// source: kubernetes pkg/kubelet/events/event.go (ContainerUnhealthy = "Unhealthy")
export const EVENT_UNHEALTHY = 'Unhealthy';
// source: kubernetes pkg/kubelet/events/event.go (FailedPostStartHook, FailedPreStopHook). kuberuntime_container.go
//   startContainer also passes "FailedPostStartHook" as the message of the Killing event that follows a failed
//   postStart (killContainer(..., "FailedPostStartHook", reasonFailedPostStartHook, ...)).
export const FAILED_POST_START_HOOK = 'FailedPostStartHook';
// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go (executePreStopHook: Warning FailedPreStopHook
//   "PreStopHook failed")
export const FAILED_PRE_STOP_HOOK = 'FailedPreStopHook';

// --- kubelet: container waiting reasons ---------------------------------------------------------------

// source: kubernetes pkg/kubelet/container/sync_result.go (ErrCrashLoopBackOff = errors.New("CrashLoopBackOff")),
//   returned by pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff and set as state.waiting.reason while the
//   kubelet backs off a restart.
export const CRASH_LOOP_BACK_OFF = 'CrashLoopBackOff';
// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go (ErrCreateContainer, ErrRunContainer,
//   ErrCreateContainerConfig) and pkg/kubelet/container/sync_result.go
export const CREATE_CONTAINER_ERROR = 'CreateContainerError';
export const RUN_CONTAINER_ERROR = 'RunContainerError';
export const CREATE_CONTAINER_CONFIG_ERROR = 'CreateContainerConfigError';
// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go (ErrPreCreateHook, ErrPreStartHook,
//   ErrPostStartHook): waiting reasons when a runtime hook or the container's postStart hook failed.
export const PRE_CREATE_HOOK_ERROR = 'PreCreateHookError';
export const PRE_START_HOOK_ERROR = 'PreStartHookError';
export const POST_START_HOOK_ERROR = 'PostStartHookError';
// source: kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go (startContainer) — the waiting reasons of a
//   container that is being created or whose init containers have not finished: normal, not errors.
export const CONTAINER_CREATING = 'ContainerCreating';
export const POD_INITIALIZING = 'PodInitializing';
// source: kubernetes pkg/kubelet/images/types.go (ErrImagePullBackOff, ErrImagePull, ErrImageNeverPull,
//   ErrInvalidImageName): the waiting reasons while the kubelet cannot get an image. "ErrImageNeverPull" is also
//   the event reason pkg/kubelet/events/event.go ErrImageNeverPullPolicy.
export const IMAGE_PULL_BACK_OFF = 'ImagePullBackOff';
export const ERR_IMAGE_PULL = 'ErrImagePull';
export const ERR_IMAGE_NEVER_PULL = 'ErrImageNeverPull';
export const INVALID_IMAGE_NAME = 'InvalidImageName';
// source: kubernetes pkg/kubelet/images/types.go (ErrImageInspect = "ImageInspectError", ErrSignatureValidationFailed
//   = "SignatureValidationFailed"), and k8s.io/cri-api pkg/errors/errors.go (ErrRegistryUnavailable =
//   "RegistryUnavailable", returned by pkg/kubelet/images/image_manager.go evalCRIPullErr).
export const IMAGE_INSPECT_ERROR = 'ImageInspectError';
export const SIGNATURE_VALIDATION_FAILED = 'SignatureValidationFailed';
export const REGISTRY_UNAVAILABLE = 'RegistryUnavailable';

// --- container runtimes: terminated reasons ------------------------------------------------------------

// source: containerd pkg/cri/server/helpers.go and internal/cri/server/helpers.go (oomExitReason = "OOMKilled");
//   cri-o server/container_status.go (oomKilledReason = "OOMKilled"). Both runtimes report it in the CRI
//   ContainerStatus.reason, which the kubelet copies to state/lastState.terminated.reason.
export const OOM_KILLED = 'OOMKilled';
// source: containerd internal/cri/server/helpers.go (errorStartReason = "StartError", errorStartExitCode = 128):
//   the runtime failed to start the process at all.
export const START_ERROR = 'StartError';
// source: cri-dockerd core/container_status.go (dockershim docker_container.go before 1.24): reason = "ContainerCannotRun"
export const CONTAINER_CANNOT_RUN = 'ContainerCannotRun';

// --- kubelet: eviction ---------------------------------------------------------------------------------

// source: pkg/kubelet/eviction/helpers.go (Reason: status.reason and the Warning event's reason)
export const REASON_EVICTED = 'Evicted';

// --- controllers ----------------------------------------------------------------------------------------

// source: kubernetes pkg/controller/controller_utils.go — FailedCreatePodReason = "FailedCreate",
//   recorded as Eventf(object, Warning, FailedCreatePodReason, "Error creating: %v", err) by the ReplicaSet,
//   ReplicationController, DaemonSet and Job controllers (StatefulSet: pkg/controller/statefulset/stateful_pod_control.go,
//   reason "FailedCreate", "create Pod %s in StatefulSet %s failed error: %s").
export const FAILED_CREATE = 'FailedCreate';
// source: pkg/controller/tainteviction/taint_eviction.go (emitPodDeletionEvent: Normal TaintManagerEviction
//   "Marking for deletion Pod %s")
export const EVENT_TAINT_MANAGER_EVICTION = 'TaintManagerEviction';
export const TAINT_MANAGER_MARKING_PREFIX = 'Marking for deletion Pod ';
// source: pkg/controller/nodelifecycle/node_lifecycle_controller.go (tryUpdateNodeHealth): after
//   node-monitor-grace-period without a status or lease update the controller sets Ready=Unknown with
//   reason "NodeStatusUnknown", message "Kubelet stopped posting node status." (or "NodeStatusNeverUpdated").
export const REASON_NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';
// source: pkg/util/node/node.go (NodeUnreachablePodReason; message "Node %v which was running pod %v is unresponsive")
export const POD_REASON_NODE_LOST = 'NodeLost';

// --- kube-scheduler ---------------------------------------------------------------------------------------

// source: kubernetes pkg/scheduler/schedule_one.go — handleSchedulingFailure():
//   Eventf(pod, nil, v1.EventTypeWarning, "FailedScheduling", "Scheduling", msg), msg truncated to 1024 bytes with " ...".
export const FAILED_SCHEDULING = 'FailedScheduling';
// source: kubernetes pkg/scheduler/framework/plugins/volumebinding/binder.go (ErrUnboundImmediatePVC) and
//   volume_binding.go (PreFilter): a Pod whose immediate-binding claim is not bound yet.
export const UNBOUND_IMMEDIATE_PVC = 'pod has unbound immediate PersistentVolumeClaims';
