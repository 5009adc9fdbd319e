/**
 * Reads and validates workload descriptions (`orrery-workload` v1, workloads/*.json; types in
 * workload/generators/spec.ts). Every error names the file, the field and what was expected. Defaults are filled
 * in here, so the generator sees a complete spec. `set` overrides fields by dotted path before validation
 * (`{"training.parallel.tp": 4}`), which is what a CLI `--set key=value` maps to.
 */
import { didYouMean } from './keys.ts';
import { readInputFile } from './input.ts';
import { existsSync } from 'node:fs';
import type { Precision } from '../workload/trace.ts';
import type {
  InferenceSpec, ModelSpec, ParallelAxis, TrainingSpec, WorkloadSpec,
} from '../workload/generators/spec.ts';
import { InputError, kindOf } from './errors.ts';

const PRECISIONS: Precision[] = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'];

type Json = Record<string, unknown>;

class Checker {
  constructor(readonly source: string) {}

  fail(path: string, what: string): never {
    throw new InputError(`${this.source}: ${path}: ${what}`);
  }

  obj(v: unknown, path: string): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `expected an object, got ${kindOf(v)}`);
    return v as Json;
  }

  known(o: Json, path: string, keys: string[]): void {
    for (const k of Object.keys(o)) {
      if (!keys.includes(k)) this.fail(`${path}${path ? '.' : ''}${k}`, `unknown field${didYouMean(k, keys)}; expected one of ${keys.join(', ')}`);
    }
  }

  int(o: Json, key: string, path: string, def?: number, min = 1): number {
    const v = o[key] ?? def;
    const p = `${path}.${key}`;
    if (v === undefined) this.fail(p, 'required (a positive integer)');
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.fail(p, `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v;
  }

  num(o: Json, key: string, path: string, def: number): number {
    const v = o[key] ?? def;
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) this.fail(`${path}.${key}`, `expected a positive number, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(o: Json, key: string, path: string, def: boolean): boolean {
    const v = o[key] ?? def;
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string | number>(o: Json, key: string, path: string, choices: readonly T[], def?: T): T {
    const v = o[key] ?? def;
    if (!choices.includes(v as T)) this.fail(`${path}.${key}`, `expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  str(o: Json, key: string, path: string, required: boolean): string | undefined {
    const v = o[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v === '') this.fail(`${path}${path ? '.' : ''}${key}`, `expected a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }
}

/** Sets `a.b.c` = value in a JSON object tree (creating objects on the way). */
function setPath(root: Json, path: string, value: unknown, source: string): void {
  const keys = path.split('.');
  let o = root;
  keys.slice(0, -1).forEach((k, i) => {
    const next = o[k];
    if (next === undefined) o[k] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      throw new InputError(`${source}: --set ${path}: ${keys.slice(0, i + 1).join('.')} is not an object`);
    }
    o = o[k] as Json;
  });
  o[keys.at(-1)!] = value;
}

function parseModel(c: Checker, v: unknown): ModelSpec {
  const m = c.obj(v, 'model');
  c.known(m, 'model', ['layers', 'hidden', 'heads', 'kvHeads', 'ffn', 'mlp', 'vocab', 'seq', 'precision', 'moe', 'tiedEmbeddings']);
  const model: ModelSpec = {
    layers: c.int(m, 'layers', 'model'),
    hidden: c.int(m, 'hidden', 'model'),
    heads: c.int(m, 'heads', 'model'),
    kvHeads: 0,
    ffn: c.int(m, 'ffn', 'model'),
    mlp: c.oneOf(m, 'mlp', 'model', ['gelu', 'swiglu'] as const, 'gelu'),
    vocab: c.int(m, 'vocab', 'model'),
    seq: c.int(m, 'seq', 'model'),
    precision: c.oneOf(m, 'precision', 'model', PRECISIONS, 'bf16'),
    tiedEmbeddings: c.bool(m, 'tiedEmbeddings', 'model', false),
  };
  model.kvHeads = c.int(m, 'kvHeads', 'model', model.heads);
  if (model.hidden % model.heads !== 0) c.fail('model.hidden', `${model.hidden} is not a multiple of heads (${model.heads})`);
  if (model.heads % model.kvHeads !== 0) c.fail('model.kvHeads', `${model.kvHeads} does not divide heads (${model.heads})`);
  if (m.moe !== undefined) {
    const e = c.obj(m.moe, 'model.moe');
    c.known(e, 'model.moe', ['experts', 'topK']);
    model.moe = { experts: c.int(e, 'experts', 'model.moe'), topK: c.int(e, 'topK', 'model.moe') };
    if (model.moe.topK > model.moe.experts) c.fail('model.moe.topK', `${model.moe.topK} exceeds experts (${model.moe.experts})`);
  }
  return model;
}

function parseTraining(c: Checker, v: unknown, model: ModelSpec): TrainingSpec {
  const t = c.obj(v, 'training');
  c.known(t, 'training', ['microBatch', 'globalBatch', 'gradPrecision', 'kernels', 'flashAttention', 'gemmPrecision', 'clipGrad', 'parallel']);
  const p = c.obj(t.parallel ?? {}, 'training.parallel');
  c.known(p, 'training.parallel', ['tp', 'pp', 'dp', 'ep', 'sp', 'schedule', 'virtualStages', 'zero', 'bucketMB', 'recompute', 'recomputeLayers', 'p2pSync', 'overlapGradReduce', 'order']);
  const path = 'training.parallel';
  const order = p.order ?? ['tp', 'dp', 'pp'];
  if (!Array.isArray(order) || order.length !== 3 || !['tp', 'dp', 'pp'].every((a) => order.includes(a))) {
    c.fail(`${path}.order`, `expected the three axes "tp", "dp", "pp" innermost first, e.g. ["tp", "dp", "pp"], got ${JSON.stringify(order)}`);
  }
  const training: TrainingSpec = {
    microBatch: c.int(t, 'microBatch', 'training', 1),
    globalBatch: c.int(t, 'globalBatch', 'training'),
    gradPrecision: c.oneOf(t, 'gradPrecision', 'training', PRECISIONS, model.precision),
    ...(t.kernels !== undefined ? { kernels: c.oneOf(t, 'kernels', 'training', ['coarse', 'megatron'] as const) } : {}),
    flashAttention: c.bool(t, 'flashAttention', 'training', true),
    gemmPrecision: c.oneOf(t, 'gemmPrecision', 'training', PRECISIONS, model.precision),
    clipGrad: c.bool(t, 'clipGrad', 'training', true),
    parallel: {
      tp: c.int(p, 'tp', path, 1),
      pp: c.int(p, 'pp', path, 1),
      dp: c.int(p, 'dp', path, 1),
      ep: c.int(p, 'ep', path, 1),
      sp: c.bool(p, 'sp', path, false),
      schedule: c.oneOf(p, 'schedule', path, ['1f1b', 'gpipe'] as const, '1f1b'),
      virtualStages: c.int(p, 'virtualStages', path, 1),
      zero: c.oneOf(p, 'zero', path, [0, 1, 2, 3] as const, 0),
      bucketBytes: Math.round(c.num(p, 'bucketMB', path, 25) * 1024 * 1024),
      recompute: c.oneOf(p, 'recompute', path, ['none', 'selective', 'full'] as const, 'none'),
      p2pSync: c.bool(p, 'p2pSync', path, false),
      overlapGradReduce: c.bool(p, 'overlapGradReduce', path, true),
      order: order as ParallelAxis[],
    },
  };
  const { tp, pp, dp, ep, virtualStages: v2 } = training.parallel;
  if (model.heads % tp !== 0) c.fail(`${path}.tp`, `${tp} does not divide the ${model.heads} attention heads`);
  if (model.kvHeads % tp !== 0 && tp % model.kvHeads !== 0) c.fail(`${path}.tp`, `${tp} and the ${model.kvHeads} key/value heads must divide one another`);
  if (model.ffn % tp !== 0) c.fail(`${path}.tp`, `${tp} does not divide the FFN size ${model.ffn}`);
  if (model.layers % (pp * v2) !== 0) c.fail(`${path}.pp`, `${model.layers} layers do not split into pp ${pp} × virtualStages ${v2} equal chunks`);
  const perStep = training.microBatch * dp;
  if (training.globalBatch % perStep !== 0) {
    c.fail('training.globalBatch', `${training.globalBatch} is not a multiple of microBatch ${training.microBatch} × dp ${dp} = ${perStep}`);
  }
  const micro = training.globalBatch / perStep;
  if (v2 > 1) {
    if (training.parallel.schedule !== '1f1b') c.fail(`${path}.virtualStages`, 'interleaving (virtualStages > 1) needs schedule "1f1b"');
    if (pp < 2) c.fail(`${path}.virtualStages`, 'interleaving needs pp ≥ 2');
    if (micro % pp !== 0) c.fail(`${path}.virtualStages`, `the interleaved schedule needs the ${micro} microbatches per step to be a multiple of pp ${pp}`);
  }
  if (ep > 1) {
    if (!model.moe) c.fail(`${path}.ep`, `expert parallelism ${ep} needs a mixture-of-experts model (model.moe)`);
    if (dp % ep !== 0) c.fail(`${path}.ep`, `${ep} does not divide dp ${dp} (experts are sharded over data-parallel ranks)`);
    if (model.moe.experts % ep !== 0) c.fail(`${path}.ep`, `${ep} does not divide the ${model.moe.experts} experts`);
  }
  if (training.parallel.sp && tp === 1) c.fail(`${path}.sp`, 'sequence parallelism needs tp > 1');
  if (p.recomputeLayers !== undefined) {
    const n = c.int(p, 'recomputeLayers', path, 0, 0);
    if (training.parallel.recompute !== 'full') c.fail(`${path}.recomputeLayers`, 'applies to recompute "full" only');
    if (n > model.layers / (pp * v2)) c.fail(`${path}.recomputeLayers`, `${n} exceeds the ${model.layers / (pp * v2)} layers of a model chunk`);
    training.parallel.recomputeLayers = n;
  }
  return training;
}

function parseInference(c: Checker, v: unknown, model: ModelSpec): InferenceSpec {
  const t = c.obj(v, 'inference');
  c.known(t, 'inference', ['batch', 'prompt', 'decode', 'phase', 'parallel']);
  const p = c.obj(t.parallel ?? {}, 'inference.parallel');
  c.known(p, 'inference.parallel', ['tp', 'dp']);
  const inf: InferenceSpec = {
    batch: c.int(t, 'batch', 'inference', 1),
    prompt: c.int(t, 'prompt', 'inference'),
    decode: c.int(t, 'decode', 'inference', 0, 0),
    phase: c.oneOf(t, 'phase', 'inference', ['prefill', 'decode', 'both'] as const, 'both'),
    parallel: { tp: c.int(p, 'tp', 'inference.parallel', 1), dp: c.int(p, 'dp', 'inference.parallel', 1) },
  };
  const tp = inf.parallel.tp;
  if (model.heads % tp !== 0) c.fail('inference.parallel.tp', `${tp} does not divide the ${model.heads} attention heads`);
  if (model.kvHeads % tp !== 0 && tp % model.kvHeads !== 0) c.fail('inference.parallel.tp', `${tp} and the ${model.kvHeads} key/value heads must divide one another`);
  if (inf.phase !== 'prefill' && inf.decode === 0) c.fail('inference.decode', `phase "${inf.phase}" needs decode ≥ 1 tokens`);
  return inf;
}

/** Validates a parsed JSON document (after `set` overrides) into a complete WorkloadSpec. */
export function parseWorkloadSpec(doc: unknown, source: string, set: Record<string, unknown> = {}): WorkloadSpec {
  const c = new Checker(source);
  const root = structuredClone(c.obj(doc, '(top level)'));
  for (const [k, v] of Object.entries(set)) setPath(root, k, v, source);
  c.known(root, '', ['format', 'version', 'name', 'description', 'source', 'cluster', 'model', 'training', 'inference']);
  if (root.format !== 'orrery-workload') c.fail('format', `expected "orrery-workload", got ${JSON.stringify(root.format)}`);
  if (root.version !== 1) c.fail('version', `expected 1 (the only version so far), got ${JSON.stringify(root.version)}`);
  const model = parseModel(c, root.model);
  const spec: WorkloadSpec = { format: 'orrery-workload', version: 1, name: c.str(root, 'name', '', true)!, model };
  const description = c.str(root, 'description', '', false);
  if (description) spec.description = description;
  const src = c.str(root, 'source', '', false);
  if (src) spec.source = src;
  const cluster = c.str(root, 'cluster', '', false);
  if (cluster) spec.cluster = cluster;
  if (root.training !== undefined) spec.training = parseTraining(c, root.training, model);
  if (root.inference !== undefined) spec.inference = parseInference(c, root.inference, model);
  if (!spec.training && !spec.inference) c.fail('(top level)', 'expected a "training" or an "inference" section (or both)');
  return spec;
}

/** Reads a workload description file (JSON). */
export function readWorkloadSpec(path: string, set: Record<string, unknown> = {}): WorkloadSpec {
  if (!existsSync(path)) throw new InputError(`--workload: ${path} does not exist`);
  const text = readInputFile(path, 'workload description', 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseWorkloadSpec(doc, path, set);
}

/** Parses `key=value` (value as JSON when it parses, else a string): the CLI's `--set`. */
export function parseSetArg(arg: string): [string, unknown] {
  const i = arg.indexOf('=');
  if (i <= 0) throw new InputError(`--set ${arg}: expected key=value, e.g. training.parallel.tp=4`);
  const key = arg.slice(0, i);
  const raw = arg.slice(i + 1);
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}
