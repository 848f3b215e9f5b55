import { readFileSync } from 'node:fs';
import { formatReport, formatSummary } from '../bench/cluster-measure.ts';
const text = readFileSync(process.argv[2]!, 'utf8');
const j = JSON.parse(text.slice(text.indexOf('{')));
const f = j.figures;
f.loadAverage ??= { atSync: Number(process.argv[3] ?? 0), atEnd: Number(process.argv[4] ?? 0) };
console.log(formatReport(f));
console.log(formatSummary(f, j.seed.nodes));
