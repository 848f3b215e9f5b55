/**
 * `podwhy gateway`: the scaled-out Slack gateway (src/agent/gateway.ts). Needs the Slack settings and REDIS_URL;
 * refuses a kubeconfig. Serves GATEWAY_CLUSTERS (else CLUSTER_NAME). /healthz and /readyz on HTTP_PORT for the
 * Kubernetes probes: Socket Mode opens no port of its own, so a tcpSocket probe would have nothing to knock on.
 */
import { Registry } from 'prom-client';
import { loadConfig, type Config } from '../config.ts';
import { isPodwhyError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { toTextLine } from '../render/text.ts';
import { startGatewayProcess } from '../agent/gateway.ts';
import { startHealthServer } from '../agent/http.ts';
import type { AgentCommandDeps } from './agent.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.ts';

export async function gatewayCommand(argv: string[], io: CliIo, deps: AgentCommandDeps): Promise<number> {
  if (argv.length > 0) {
    io.stderr(`podwhy gateway: takes no arguments (configure it with SLACK_* , REDIS_URL and GATEWAY_CLUSTERS)\n`);
    return EXIT_USAGE;
  }
  let config: Config;
  try {
    config = loadConfig(deps.env);
  } catch (error) {
    io.stderr(`podwhy gateway: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  try {
    const running = await startGatewayProcess({ config, log });
    // Ready once Slack is connected and Redis answered (startGatewayProcess returns then); not ready while stopping.
    let stopping = false;
    const health = await startHealthServer({
      port: config.HTTP_PORT,
      registry: new Registry(),
      readiness: () => ({ ready: !stopping, reasons: stopping ? ['stopping'] : [] }),
    });
    log.info({ port: health.port }, 'Health server listening');
    const signal = await deps.stopSignal;
    log.info({ signal }, 'Stop requested');
    stopping = true;
    await running.stop();
    await health.close();
    return EXIT_OK;
  } catch (error) {
    if (isPodwhyError(error)) {
      io.stderr(`${toTextLine(error.message)}\n`);
      return error.code === 'config-invalid' ? EXIT_USAGE : EXIT_FAILURE;
    }
    throw error;
  }
}
