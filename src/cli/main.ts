/** `podwhy <command>`: the command-line entry point (bin/podwhy runs this file on Node 24). */
import { processEnvironment } from '../config.ts';
import { diagnoseCommand } from './diagnose.ts';
import { EXIT_FAILURE, EXIT_USAGE, type CliIo } from './io.ts';

const USAGE = `usage: podwhy <command> [options]

commands:
  diagnose -f FILE|-   diagnose a kubectl dump (-o json|yaml output)
  why POD              diagnose a Pod of a live cluster through your kubeconfig
  agent                watch a cluster and raise incidents (the single-process default)
  worker               run diagnosis workers only (needs REDIS_URL)
  gateway              the Slack gateway alone (Slack settings + REDIS_URL, no kubeconfig)
`;

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  diagnose: async () => diagnoseCommand,
  why: async () => (await import('./why.ts')).whyCommand,
  agent: async () => {
    const { agentCommand } = await import('./agent.ts');
    return (argv, io) => agentCommand('agent', argv, io, { env: processEnvironment(), stopSignal: stopSignal() });
  },
  worker: async () => {
    const { agentCommand } = await import('./agent.ts');
    return (argv, io) => agentCommand('worker', argv, io, { env: processEnvironment(), stopSignal: stopSignal() });
  },
  gateway: async () => {
    const { gatewayCommand } = await import('./gateway.ts');
    return (argv, io) => gatewayCommand(argv, io, { env: processEnvironment(), stopSignal: stopSignal() });
  },
};

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.once(signal as NodeJS.Signals, () => process.exit(130));
      resolve(signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    io.stdout(USAGE);
    return name ? 0 : EXIT_USAGE;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr(`podwhy: unknown command "${name}"\n${USAGE}`);
    return EXIT_USAGE;
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
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  now: () => new Date(),
};

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2), processIo);
}
