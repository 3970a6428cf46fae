/**
 * bench/RESULTS.md holds one section per benchmark, each between `<!-- NAME:start -->` and
 * `<!-- NAME:end -->` markers; a benchmark rewrites only its own section and leaves the others as they are.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const PREAMBLE = `# Benchmark results

Each section below is written by one benchmark (\`npm run bench\` and its kin), which rewrites only its own
section, between its markers. Figures depend on the machine: compare runs on the same machine only.
`;

/** Replaces the section `name` of the markdown file at `path` (appending it if absent, creating the file if needed). */
export function writeSection(path: string, name: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : PREAMBLE;
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  const updated =
    from >= 0 && to >= 0 ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, updated);
}
