/**
 * `podwhy diagnose -f FILE|- [--pod NAME] [-n NAMESPACE] [-o text|json|yaml] [--now ISO-8601]`:
 * diagnoses what `kubectl get … -o json|yaml` printed.
 */
import { readFile, stat } from 'node:fs/promises';
import { DumpError, MAX_DUMP_CHARS, parseKubectlDump } from '../cluster/kubectl-dump.ts';
import { buildSnapshots, classifyObjects, countObjects } from '../cluster/snapshot.ts';
import type { Snapshot } from '../contract/snapshot.ts';
import { diagnoseAll } from '../diagnosis/engine.ts';
import { inputGaps } from '../diagnosis/input-gaps.ts';
import { toTextLine } from '../render/text.ts';
import { parseCommandArgs, wantsHelp } from './args.ts';
import { formatDiagnoses, isMachineFormat, isOutputFormat, type OutputFormat } from './format.ts';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io.ts';

export const DIAGNOSE_USAGE = `usage: podwhy diagnose -f FILE|- [--pod NAME] [-n NAMESPACE] [-o text|json|yaml] [--now ISO-8601]`;

export const DIAGNOSE_HELP = `${DIAGNOSE_USAGE}

Diagnoses what \`kubectl get … -o json|yaml\` printed (Pods, Events, Nodes, workloads, quotas, PVCs).

options:
  -f, --file FILE|-       the dump to read; - reads standard input
      --pod NAME          only this Pod
  -n, --namespace NS      only objects of this namespace
  -o, --output FORMAT     text (default), json (the contract) or yaml (the same, as YAML)
      --now ISO-8601      the time to judge ages against (default: now)
  -h, --help              this help
`;

export interface DiagnoseOptions {
  file: string;
  pod?: string;
  namespace?: string;
  output: OutputFormat;
  now?: string;
}

export function parseDiagnoseArgs(argv: string[]): DiagnoseOptions {
  const parsed = parseCommandArgs('diagnose', {
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: 'string', short: 'f' },
      pod: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      output: { type: 'string', short: 'o', default: 'text' },
      now: { type: 'string' },
    },
  });
  const { file, pod, namespace, output, now } = parsed.values;
  if (!file) throw new UsageError('missing -f FILE (use -f - to read standard input)');
  if (!isOutputFormat(output)) throw new UsageError(`unknown output format "${output}" (expected text, json or yaml)`);
  if (now !== undefined && Number.isNaN(Date.parse(now))) throw new UsageError(`--now "${now}" is not an ISO-8601 time`);
  return { file, pod, namespace, output, now: now === undefined ? undefined : new Date(Date.parse(now)).toISOString() };
}

export async function diagnoseCommand(argv: string[], io: CliIo): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(DIAGNOSE_HELP);
    return EXIT_OK;
  }
  try {
    const options = parseDiagnoseArgs(argv);
    const text = options.file === '-' ? await io.readStdin(MAX_DUMP_CHARS) : await readInput(options.file);
    const set = classifyObjects(parseKubectlDump(text));
    if (countObjects(set) === 0) throw new DumpError('no Kubernetes objects podwhy reads (Pods, Events, Nodes, workloads, quotas, PVCs)');
    const observedAt = options.now ?? io.now().toISOString();
    const snapshots = selectSnapshots(buildSnapshots(set, observedAt), options);
    const diagnoses = diagnoseAll(snapshots);
    io.stdout(
      formatDiagnoses(diagnoses, options.output, {
        pods: snapshots.filter((s) => s.kind === 'Pod').length,
        workloads: snapshots.filter((s) => s.kind === 'Workload').length,
      }),
    );
    // What the dump lacks for the causes it could otherwise show; on stderr for JSON, which stays the bare contract.
    const notes = inputGaps(snapshots, diagnoses, 'dump').map((note) => `${note}\n`).join('');
    if (notes) (isMachineFormat(options.output) ? io.stderr : io.stdout)(isMachineFormat(options.output) ? notes : `\n${notes}`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError || error instanceof DumpError) {
      // A DumpError may quote the input (names, kinds): one safe line, like every cluster string (render/text.ts).
      io.stderr(`${toTextLine(`podwhy diagnose: ${error.message}`)}\n`);
      if (error instanceof UsageError) io.stderr(`${DIAGNOSE_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

async function readInput(file: string): Promise<string> {
  try {
    // Refused before reading: a file past the limit is never loaded into memory.
    if ((await stat(file)).size > MAX_DUMP_CHARS) throw new DumpError(`input is larger than ${MAX_DUMP_CHARS / 2 ** 20} MB; diagnose one namespace or a few objects at a time`);
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof DumpError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DumpError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${code ?? (error as Error).message}`);
  }
}

function selectSnapshots(snapshots: Snapshot[], options: DiagnoseOptions): Snapshot[] {
  const namespaceOf = (s: Snapshot) => (s.kind === 'Pod' ? s.pod : s.workload).metadata.namespace;
  const inNamespace = options.namespace ? snapshots.filter((s) => namespaceOf(s) === options.namespace) : snapshots;
  if (options.namespace && inNamespace.length === 0) {
    // "No problems found in 0 Pods" would read as a clean bill of health for a namespace the dump does not hold.
    const present = [...new Set(snapshots.map(namespaceOf).filter((n): n is string => Boolean(n)))].sort();
    const hint = present.length ? ` (namespaces in it: ${present.slice(0, 10).join(', ')}${present.length > 10 ? ', …' : ''})` : '';
    throw new DumpError(`no Pods or workloads in namespace ${options.namespace} in the input${hint}`);
  }
  if (!options.pod) return inNamespace;
  const pods = inNamespace.filter((s) => s.kind === 'Pod' && s.pod.metadata.name === options.pod);
  if (pods.length === 0) {
    const names = inNamespace.flatMap((s) => (s.kind === 'Pod' ? [s.pod.metadata.name] : []));
    const where = options.namespace ? ` in namespace ${options.namespace}` : '';
    const hint = names.length ? ` (Pods in it: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''})` : ' (it holds no Pods)';
    throw new DumpError(`no Pod named ${options.pod}${where} in the input${hint}`);
  }
  return pods;
}
