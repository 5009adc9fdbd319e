// The dependency direction of DESIGN.md: cli → api → {serving, workload} → collectives → network → engine → units, with io/
// beside the chain (only api imports it; it imports units and, as types only, the domain modules).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const RANK: Record<string, number> = { units: 0, compute: 0.5, engine: 1, network: 2, collectives: 3, workload: 4, serving: 4, api: 5, cli: 6 };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Edge { from: string; to: string; typeOnly: boolean; file: string; spec: string }

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of files(SRC)) {
    const from = relative(SRC, file).split('/')[0]!;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const spec = m[3]!;
      const target = relative(SRC, join(file, '..', spec)).split('/')[0]!;
      if (target === from) continue;
      out.push({ from, to: target, typeOnly: m[2] !== undefined, file: relative(SRC, file), spec });
    }
  }
  return out;
}

describe('architecture', () => {
  const all = edges();

  it('finds the import edges it checks', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it('domain modules import only downward', () => {
    const bad = all.filter((e) => e.from !== 'io' && e.to !== 'io' && e.from !== 'cli' && !(RANK[e.to]! < RANK[e.from]!));
    expect(bad.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });

  it('cli imports only api and units', () => {
    const bad = all.filter((e) => e.from === 'cli' && e.to !== 'api' && e.to !== 'units');
    expect(bad.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });

  it('only api imports io, and io imports units and types only', () => {
    const intoIo = all.filter((e) => e.to === 'io' && e.from !== 'api');
    expect(intoIo.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
    const fromIo = all.filter((e) => e.from === 'io' && e.to !== 'units' && !e.typeOnly);
    expect(fromIo.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });
});

describe('architecture: compute', () => {
  it('compute/ imports only units (DESIGN.md: beside collectives, uses only units)', () => {
    const bad = edges().filter((e) => e.from === 'compute' && e.to !== 'units');
    expect(bad.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });
});
