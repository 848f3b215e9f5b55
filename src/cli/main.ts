/** `podwhy <command>`: the command-line entry point (bin/podwhy runs this file on Node 24, or its build in dist/). */
import { existsSync, readFileSync } from 'node:fs';
import { processEnvironment } from '../config.ts';
import { DumpError } from '../cluster/kubectl-dump.ts';
import { wantsHelp } from './args.ts';
import { diagnoseCommand } from './diagnose.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.ts';

const USAGE = `usage: podwhy <command> [options]

commands:
  diagnose -f FILE|-   diagnose a kubectl dump (-o text|json|yaml)
  why POD              diagnose a Pod of a live cluster through your kubeconfig
  agent                watch a cluster and raise incidents (the single-process default)
  worker               run diagnosis workers only (needs REDIS_URL)
  gateway              the Slack gateway alone (Slack settings + REDIS_URL, no kubeconfig)
  sim                  serve a simulated cluster to try podwhy on (writes a kubeconfig)

podwhy <command> --help shows a command's options; podwhy --version its version.
`;

/**
 * Help for commands whose module does not answer --help itself: main answers before loading it. Commands that
 * do (diagnose, why, agent, worker) are asked with their own argv.
 */
const HELP: Record<string, string> = {
  gateway: `usage: podwhy gateway

Runs the Slack gateway: Bolt listeners for the /pod command, buttons and the App Home; delivers the agents'
notifications from the notify queue on Redis. Configuration comes from the environment (SLACK_* keys and
REDIS_URL; .env.example lists every key). SIGTERM or SIGINT drains and exits; a second one exits at once.

options:
  -h, --help    this help
`,
};

/**
 * package.json's version, read at run time: two levels up from src/cli/main.ts (a checkout), three from
 * dist/src/cli/main.js (the npm package, built by `npm run build`).
 */
function packageVersion(): string {
  const path = ['../../package.json', '../../../package.json'].map((relative) => new URL(relative, import.meta.url)).find((url) => existsSync(url));
  if (!path) throw new Error('package.json not found above src/cli or dist/src/cli');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  diagnose: async () => diagnoseCommand,
  why: async () => (await import('./why.ts')).whyCommand,
  agent: async () => {
    const { agentCommand } = await import('./agent.ts');
    return (argv, io) => agentCommand('agent', argv, io, { env: processEnvironment(), stopSignal: stopSignal(), fatal: fatalError() });
  },
  sim: async () => {
    const { simCommand } = await import('./sim.ts');
    return (argv, io) => simCommand(argv, io, { stopSignal: stopSignal() });
  },
  worker: async () => {
    const { agentCommand } = await import('./agent.ts');
    return (argv, io) => agentCommand('worker', argv, io, { env: processEnvironment(), stopSignal: stopSignal(), fatal: fatalError() });
  },
  gateway: async () => {
    const { gatewayCommand } = await import('./gateway.ts');
    return (argv, io) => gatewayCommand(argv, io, { env: processEnvironment(), stopSignal: stopSignal() });
  },
};

/** Commands that run until stopped. */
const LONG_RUNNING = new Set(['agent', 'worker', 'gateway', 'sim']);

/** Resolves on the first SIGTERM or SIGINT; a second one (either) exits at once. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: string) => {
      if (received) process.exit(130);
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * Resolves with the first uncaught exception or unhandled rejection: the agent then closes its informers, queues
 * and servers and exits non-zero with the reason, instead of dying half-closed or running on broken.
 */
function fatalError(): Promise<unknown> {
  return new Promise((resolve) => {
    process.on('uncaughtException', resolve);
    process.on('unhandledRejection', resolve);
  });
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(USAGE);
    return name ? 0 : EXIT_USAGE;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`podwhy ${packageVersion()}\n`);
    return EXIT_OK;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`podwhy: unknown command "${name}"\n${USAGE}`);
    return EXIT_USAGE;
  }
  const help = HELP[name];
  if (help !== undefined && wantsHelp(rest)) {
    io.stdout(help);
    return EXIT_OK;
  }
  try {
    return await (await load())(rest, io);
  } catch (error) {
    io.stderr(`podwhy ${name}: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async (maxBytes = Infinity) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of process.stdin) {
      bytes += (chunk as Buffer).length;
      // Refused while streaming: memory stays bounded by the limit whatever is piped in.
      if (bytes > maxBytes) throw new DumpError(`input is larger than ${Math.round(maxBytes / 2 ** 20)} MB; diagnose one namespace or a few objects at a time`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  },
  now: () => new Date(),
};

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const code = await runCli(argv, processIo);
  process.exitCode = code;
  // Whatever a long-running command left open (a socket mid-close, a library's timer) must not keep the process
  // alive after it has answered: give output a moment to flush, then exit (issue 13: the agent could hang). Not for
  // one-shot commands, whose output may still be draining into a slow pipe (| less).
  if (LONG_RUNNING.has(argv[0] ?? '')) setTimeout(() => process.exit(code), 2_000).unref();
}
