// Every relative link in README.md and docs/*.md resolves: the file (or folder) exists, and a #anchor matches a
// heading of the target file by GitHub's rule (text as rendered, lowercased, punctuation other than - and _
// dropped, each space a -, a repeated heading numbered -1, -2, …). The README moved its reference into docs/, so
// links now cross folders; this keeps them from rotting. Links inside code (fenced blocks, `spans`) are not links.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.ts';

/** The text outside fenced code blocks (blank lines in their place), inline code spans as x's (newlines kept). */
function prose(md: string): string {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const f = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (fence === null && f) fence = f[0]!;
    else if (fence !== null && f?.[0] === fence) fence = null;
    else if (fence === null) out.push(line);
    if (fence !== null || f) out.push(''); // keep line numbers
  }
  return out.join('\n').replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (m) => m.replace(/[^\n]/g, 'x'));
}

/** GitHub's anchor for a heading's text. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link shows its text
    .replace(/[`*]/g, '') // code and emphasis marks are not text
    .replace(/<[^>]+>/g, '');
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown file: one per heading (outside code), repeats numbered as GitHub does. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const f = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (f) {
      if (fence === null) fence = f[0]!;
      else if (f[0] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface BrokenLink { file: string; line: number; target: string; why: string }

/** The relative links of one Markdown text (at `file`, relative to ROOT) that do not resolve. */
export function brokenLinks(file: string, md: string, read: (path: string) => string | null): BrokenLink[] {
  const text = prose(md);
  const bad: BrokenLink[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const line = text.slice(0, m.index).split('\n').length;
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart === '' ? file : join(dirname(file), decodeURIComponent(pathPart));
    if (relative(ROOT, join(ROOT, path)).startsWith('..')) {
      bad.push({ file, line, target, why: 'points outside the repository' });
      continue;
    }
    const content = read(path);
    if (content === null) {
      bad.push({ file, line, target, why: `${path} does not exist` });
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (!path.endsWith('.md')) {
      bad.push({ file, line, target, why: `an anchor into ${path}, which is not Markdown` });
      continue;
    }
    if (!anchors(content).has(decodeURIComponent(anchor))) {
      bad.push({ file, line, target, why: `${path} has no heading with anchor #${anchor}` });
    }
  }
  return bad;
}

/** A repository file's text ('' for a folder), or null when there is none. */
function readRepo(path: string): string | null {
  const abs = join(ROOT, path);
  if (!existsSync(abs)) return null;
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return ''; // a folder
  }
}

const FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

describe('the link check', () => {
  it("computes GitHub's anchors (examples as GitHub renders them)", () => {
    expect(slug('Collectives as NCCL runs them: cluster presets, `--algo auto`, `orrery calibrate`')).toBe(
      'collectives-as-nccl-runs-them-cluster-presets---algo-auto-orrery-calibrate');
    expect(slug('Building, installing, and Orrery as a library')).toBe('building-installing-and-orrery-as-a-library');
    expect(slug('Sweeps through Slurm: a 1,000-point sweep on a one-node cluster against the serial run')).toBe(
      'sweeps-through-slurm-a-1000-point-sweep-on-a-one-node-cluster-against-the-serial-run');
    expect(slug('The trace format (`orrery-trace`, version 1)')).toBe('the-trace-format-orrery-trace-version-1');
    expect([...anchors('# A\n## Notes\n```\n# not a heading\n```\n## Notes\n')]).toEqual(['a', 'notes', 'notes-1']);
  });

  it('finds a missing file, a missing anchor and a link out of the repository, and ignores code', () => {
    const files: Record<string, string> = { 'docs/a.md': '# Title\n## Real section\n', 'docs/pic.svg': '<svg/>' };
    const md = [
      '[ok](a.md#real-section) ![ok](pic.svg) [ok](#here) [web](https://example.com/x#y)',
      '## Here',
      '[missing file](b.md) [missing anchor](a.md#no-such-section)',
      '[outside](../../etc/passwd)',
      '`[in code](nowhere.md)`',
      '```', '[in a block](nowhere.md)', '```',
    ].join('\n');
    const bad = brokenLinks('docs/page.md', md, (p) => (p === 'docs/page.md' ? md : files[p] ?? null));
    expect(bad.map((b) => [b.line, b.target])).toEqual([[3, 'b.md'], [3, 'a.md#no-such-section'], [4, '../../etc/passwd']]);
  });
});

describe('README.md and docs/*.md', () => {
  it('are all checked (the README and the reference pages)', () => {
    expect(FILES).toContain('README.md');
    expect(FILES).toEqual(expect.arrayContaining(['docs/cli.md', 'docs/network.md', 'docs/replay.md', 'docs/inputs.md']));
  });

  it.each(FILES)('%s: every relative link and #anchor resolves', (file) => {
    const bad = brokenLinks(file, readFileSync(join(ROOT, file), 'utf8'), readRepo);
    expect(bad.map((b) => `${b.file}:${b.line}: (${b.target}) ${b.why}`)).toEqual([]);
  });
});
