/**
 * The `/pod` slash command's grammar. Pure: the text Slack sends in, a typed request or a usage error out.
 *
 *   /pod why <target> [-n NAMESPACE] [--cluster NAME]
 *   /pod list [-n NAMESPACE] [--cluster NAME]
 *   /pod logs <target> [-c CONTAINER] [--previous] [-n NAMESPACE] [--cluster NAME]
 *   /pod help
 *
 * `<target>` is what `podwhy why` accepts (src/cluster/resolve-target.ts): a Pod name, `ns/name`, `kind/name`,
 * `ns/kind/name` or a Pod-name prefix; `/pod <target>` alone is read as `/pod why <target>`.
 */
import { ClusterName, Namespace, QuerySubjectRef } from '../queue/jobs.ts';
import { POD_COMMAND_SYNTAX } from './render/command.ts';

export type PodCommand =
  | { verb: 'why'; target: string; namespace?: string; cluster?: string }
  | { verb: 'logs'; target: string; namespace?: string; cluster?: string; container?: string; previous: boolean }
  | { verb: 'list'; namespace?: string; cluster?: string }
  | { verb: 'help' };

export type PodCommandParse = { ok: true; command: PodCommand } | { ok: false; error: string; usage: string };

/** Every subcommand's syntax, one per line: the same text /pod help shows (src/slack/render/command.ts). */
export const POD_USAGE = Object.values(POD_COMMAND_SYNTAX).join('\n');

/** Slack escapes these three in command text (api.slack.com/reference/surfaces/formatting#escaping). */
const SLACK_ENTITIES: Readonly<Record<string, string>> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };
/**
 * Desktop and phone keyboards turn a typed `--` into an en or em dash ("smart punctuation"), so `—cluster prod`
 * is what many users really send.
 */
const SMART_DASHES = /^[\u2013\u2014]/;
/** A container name is a DNS-1123 label (k8s.io/apimachinery/pkg/util/validation: IsDNS1123Label). */
const CONTAINER = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Longer texts are not commands anyone typed; refusing early keeps the error message short. */
const MAX_TEXT = 600;

type Flag = 'namespace' | 'cluster' | 'container' | 'previous';
const FLAGS: Readonly<Record<string, Flag>> = {
  '-n': 'namespace', '--namespace': 'namespace',
  '--cluster': 'cluster',
  '-c': 'container', '--container': 'container',
  '-p': 'previous', '--previous': 'previous',
};
const FLAGS_OF: Readonly<Record<'why' | 'logs' | 'list', readonly Flag[]>> = {
  why: ['namespace', 'cluster'],
  logs: ['namespace', 'cluster', 'container', 'previous'],
  list: ['namespace', 'cluster'],
};

export function parsePodCommand(rawText: string): PodCommandParse {
  if (rawText.length > MAX_TEXT) return usageError(`that command is ${rawText.length} characters long; a /pod command is at most ${MAX_TEXT}`);
  const text = rawText.replace(/&(amp|lt|gt);/g, (entity) => SLACK_ENTITIES[entity] ?? entity);
  const words = text.split(/\s+/).filter((word) => word.length > 0).map((word) => word.replace(SMART_DASHES, '--'));
  const first = words[0]?.toLowerCase();
  if (first === undefined || first === 'help' || first === '-h' || first === '--help') {
    return words.length <= 1 ? { ok: true, command: { verb: 'help' } } : usageError(`"help" takes no arguments`);
  }
  const verb = first === 'why' || first === 'logs' || first === 'list' ? first : undefined;
  // `/pod web-1` is the common case: read it as `/pod why web-1`, but only when it could be a target at all.
  if (verb === undefined && (first.startsWith('-') || !QuerySubjectRef.shape.query.safeParse(words[0]).success)) {
    return usageError(`unknown subcommand "${words[0]}"`);
  }
  const rest = verb === undefined ? words : words.slice(1);
  const allowed = FLAGS_OF[verb ?? 'why'];

  const values: Partial<Record<Flag, string>> = {};
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (!word.startsWith('-')) {
      positionals.push(word);
      continue;
    }
    const [name, inline] = splitInline(word);
    const flag = FLAGS[name];
    if (flag === undefined || !allowed.includes(flag)) return usageError(`unknown option "${name}" for /pod ${verb ?? 'why'}`);
    if (values[flag] !== undefined) return usageError(`option "${name}" is given twice`);
    if (flag === 'previous') {
      if (inline !== undefined) return usageError(`"${name}" takes no value`);
      values.previous = 'true';
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value.startsWith('-')) return usageError(`option "${name}" needs a value`);
    values[flag] = value;
  }

  if (values.namespace !== undefined && !Namespace.safeParse(values.namespace).success) {
    return usageError(`"${values.namespace}" is not a namespace name (lowercase letters, digits and "-")`);
  }
  if (values.cluster !== undefined && !ClusterName.safeParse(values.cluster).success) {
    return usageError(`"${values.cluster}" is not a cluster name`);
  }
  if (values.container !== undefined && !CONTAINER.test(values.container)) {
    return usageError(`"${values.container}" is not a container name`);
  }
  const scope = { ...(values.namespace !== undefined && { namespace: values.namespace }), ...(values.cluster !== undefined && { cluster: values.cluster }) };

  if (verb === 'list') {
    if (positionals.length > 0) return usageError(`/pod list takes no Pod name (got "${positionals[0]}")`);
    return { ok: true, command: { verb: 'list', ...scope } };
  }
  // Without a subcommand only `/pod <target> [flags]` is a shortcut: `/pod delete web-1` is not a why.
  if (verb === undefined && positionals.length > 1) return usageError(`unknown subcommand "${words[0]}"`);
  const verbName = verb ?? 'why';
  if (positionals.length === 0) return usageError(`/pod ${verbName} needs a Pod name`);
  if (positionals.length > 1) return usageError(`/pod ${verbName} takes one Pod name, got ${positionals.length}: ${positionals.join(' ')}`);
  const target = (positionals[0] as string).toLowerCase() === positionals[0] ? (positionals[0] as string) : undefined;
  if (target === undefined || !QuerySubjectRef.shape.query.safeParse(target).success) {
    return usageError(`"${positionals[0]}" is not a Pod name (lowercase letters, digits, "-" and "."; namespace/name and kind/name work too)`);
  }
  if (verbName === 'why') return { ok: true, command: { verb: 'why', target, ...scope } };
  return {
    ok: true,
    command: {
      verb: 'logs', target, ...scope,
      ...(values.container !== undefined && { container: values.container }),
      previous: values.previous === 'true',
    },
  };
}

function splitInline(word: string): [string, string | undefined] {
  const at = word.indexOf('=');
  return at < 0 ? [word, undefined] : [word.slice(0, at), word.slice(at + 1)];
}

function usageError(error: string): PodCommandParse {
  return { ok: false, error, usage: POD_USAGE };
}
