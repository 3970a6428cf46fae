/**
 * @module
 * A strict parser of the Prometheus text exposition format (0.0.4), written for the tests independently of
 * prom-client: every line must be a HELP, a TYPE, a comment or a well-formed sample of a declared family;
 * histograms must have cumulative buckets ending in +Inf equal to their _count.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name -> type (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A sample value: Prometheus reads it as Go's ParseFloat does, so Inf and NaN in any letter case (prom-client writes "Nan"). */
function parseValue(text: string, line: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad sample value "${text}" in: ${line}`);
  return Number(text);
}

/** Reads `{name="value",...}` starting at `text[0] === '{'`; returns the labels and the rest after `}`. */
function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const nameEnd = text.indexOf('=', i);
    if (nameEnd < 0) throw new Error(`bad labels in: ${line}`);
    const name = text.slice(i, nameEnd).trim();
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name "${name}" in: ${line}`);
    if (name in labels) throw new Error(`label "${name}" given twice in: ${line}`);
    i = nameEnd + 1;
    if (text[i] !== '"') throw new Error(`label value not quoted in: ${line}`);
    i++;
    let value = '';
    for (;;) {
      const char = text[i];
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (char === '\\') {
        const next = text[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`bad escape in: ${line}`);
        i += 2;
        continue;
      }
      if (char === '"') break;
      value += char;
      i++;
    }
    labels[name] = value;
    i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected , or } after a label in: ${line}`);
  }
}

/** The family a sample belongs to: itself, or a histogram's/summary's family for _bucket, _sum and _count. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const match = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (match && ['histogram', 'summary'].includes(types.get(match[1]!) ?? '')) return match[1];
  return undefined;
}

/** Parses a whole exposition; throws on the first malformed line. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) continue; // a plain comment
      const [, kind, name, rest] = meta;
      if (!METRIC_NAME.test(name!)) throw new Error(`bad metric name in: ${line}`);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!)) throw new Error(`bad type in: ${line}`);
        if (types.has(name!)) throw new Error(`TYPE given twice for ${name}`);
        types.set(name!, rest!);
      } else help.set(name!, rest!);
      continue;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new Error(`bad sample line: ${line}`);
    const name = nameMatch[0];
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest, line));
    const parts = rest.trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`bad sample line: ${line}`);
    if (familyOf(name, types) === undefined) throw new Error(`sample ${name} has no TYPE before it`);
    samples.push({ name, labels, value: parseValue(parts[0]!, line) });
  }
  checkHistograms(types, samples);
  return { types, help, samples };
}

function checkHistograms(types: Map<string, string>, samples: Sample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const sample of samples.filter((s) => s.name === `${family}_bucket`)) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${family}_bucket without le`);
      const key = JSON.stringify(Object.entries(rest).sort());
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      const bounds = buckets.map((b) => parseValue(b.labels.le!, family));
      for (let i = 1; i < buckets.length; i++) {
        if (!(bounds[i]! > bounds[i - 1]!)) throw new Error(`${family} buckets out of order`);
        if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family} buckets not cumulative`);
      }
      if (bounds[bounds.length - 1] !== Infinity) throw new Error(`${family} has no +Inf bucket`);
      const labels = Object.fromEntries(JSON.parse(key) as Array<[string, string]>);
      const count = samples.find((s) => s.name === `${family}_count` && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
      if (!count || count.value !== buckets[buckets.length - 1]!.value) throw new Error(`${family} +Inf bucket differs from _count`);
    }
  }
}

/** The value of the one sample with exactly these labels, or undefined. */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return exposition.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}

/** Every label set of the samples of `name`. */
export function labelSets(exposition: Exposition, name: string): Array<Record<string, string>> {
  return exposition.samples.filter((s) => s.name === name).map((s) => s.labels);
}
