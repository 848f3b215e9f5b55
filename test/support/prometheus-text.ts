/**
 * Reads a Prometheus text exposition (format 0.0.4) back into samples, so that tests assert on what a
 * scraper would see rather than on the text's label order. Hand-written because the one npm parser
 * (parse-prometheus-text-format 1.1.1) is an untyped 2019 bundle; the grammar is one line per sample
 * (source: prometheus.io/docs/instrumenting/exposition_formats, "Text format details").
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** By metric family name: its # HELP text and # TYPE. */
  help: Map<string, string>;
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const UNESCAPE: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' };

export function parseExposition(text: string): Exposition {
  const exposition: Exposition = { help: new Map(), types: new Map(), samples: [] };
  for (const line of text.split('\n')) {
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) exposition[comment[1] === 'HELP' ? 'help' : 'types'].set(comment[2] ?? '', comment[3] ?? '');
    else if (line.trim() !== '' && !line.startsWith('#')) exposition.samples.push(parseSample(line));
  }
  return exposition;
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`not a sample line: ${line}`);
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label || rest[label.length] !== '=' || rest[label.length + 1] !== '"') throw new Error(`bad label in: ${line}`);
      let i = label.length + 2;
      let value = '';
      for (; rest[i] !== '"'; i++) {
        if (i >= rest.length) throw new Error(`unterminated label value in: ${line}`);
        if (rest[i] === '\\') value += UNESCAPE[rest[++i] ?? ''] ?? `\\${rest[i] ?? ''}`;
        else value += rest[i];
      }
      labels[label] = value;
      rest = rest.slice(i + 1).replace(/^,/, '');
    }
    rest = rest.slice(1);
  }
  const [value = ''] = rest.trim().split(' ');
  return { name, labels, value: value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value) };
}

/** The value of the one sample named `name` with exactly `labels`; undefined when there is none. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels);
  const sample = exposition.samples.find(
    (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([key, value]) => s.labels[key] === value),
  );
  return sample?.value;
}
