/**
 * Registers every Bolt listener of the gateway. Listeners stay thin (parse, ack, delegate); the work lives in
 * src/slack (commands.ts, button-requests.ts) and the renderers.
 */
import type { App } from '@slack/bolt';
import type { AppHomePublisher } from '../src/slack/app-home.ts';
import type { ButtonRequests } from '../src/slack/button-requests.ts';
import type { PodCommands } from '../src/slack/commands.ts';
import type { RemediationRequests } from '../src/slack/remediation.ts';
import { registerIncidentButtons } from './actions/incident.ts';
import { registerRemediationButtons } from './actions/remediate.ts';
import { registerRediagnoseButton } from './actions/rediagnose.ts';
import { registerShowLogsButton } from './actions/show-logs.ts';
import { registerPodCommand } from './commands/pod.ts';
import { registerAppHome } from './events/app-home.ts';

export interface HandlerDeps {
  commands: PodCommands;
  buttons: ButtonRequests;
  remediation: RemediationRequests;
  publisher: AppHomePublisher;
}

export function registerHandlers(app: App, deps: HandlerDeps): void {
  registerPodCommand(app, deps);
  registerShowLogsButton(app, deps);
  registerRediagnoseButton(app, deps);
  registerRemediationButtons(app, deps);
  registerIncidentButtons(app, deps);
  registerAppHome(app, deps);
}
