/**
 * BENCHMARKS.md holds one section per benchmark between markers, so each benchmark script rewrites
 * only its own section and leaves the others' figures alone.
 */
import fs from 'node:fs';

const HEADER = '# Benchmarks\n\nFigures measured by the scripts under `bench/`; each section says how to reproduce it.\n';

/** Replaces (or appends) the section `name` of `file` with `markdown`. */
export function writeBenchmarkSection(file: string, name: string, markdown: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : HEADER;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next = from >= 0 && to > from ? current.slice(0, from) + block + current.slice(to + end.length) : `${current.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(file, next);
}
