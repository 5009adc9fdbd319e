/**
 * Compiling a program for the replay, once for every rank that runs it: per op its kind, accounting category,
 * astra resource class, in-degree, base compute time (the trace's duration, or the compute model's or roofline's
 * time), collective shape and parsed algorithms, and the program's roots.
 */
import { parseAlgorithm, type AlgorithmSpec } from '../collectives/index.ts';
import { rooflineNs, type ComputeModel as ComputeEngine, type RooflineSettings as ComputeModel } from '../compute/index.ts';
import { TypedPool } from './pool.ts';
import { TraceError, type ComputeOp, type Op } from './trace.ts';
import { compactRanges, type ProgramGraph } from './validate.ts';
import type { CollShape } from './validate-comm.ts';
import { C_COMM, C_COMPUTE, C_OTHER, K_COMPUTE, KIND_CODE, R_COMM, R_CPU, R_GPU, type ReplayOptions } from './replay-types.ts';

/** A program compiled once for every rank that runs it. */
export interface Compiled {
  g: ProgramGraph;
  kind: Uint8Array;
  cat: Uint8Array;
  cls: Uint8Array;
  /** Base compute time (unrounded ns) or NaN; rounded, the duration on a rank with factor 1 and no jitter. */
  baseDur: Float64Array;
  /** Parsed algorithms of coll ops that name their own (else the run's). */
  algorithms: Map<number, readonly AlgorithmSpec[]>;
  /** Bytes of each send and recv, by its p2pIndex. */
  bytes: Float64Array;
  /**
   * Per coll op: its shape (op, bytes, root, chunks, algorithms) as a small integer shared by every program
   * (ProgramGraph.collShape, an index into ValidatedTrace.collShapes), so an instance finds its prepared collective
   * by (group block, shape) without building a key.
   */
  shape: Int32Array;
  /** Position of each op in id order (astra policy picks the smallest id). */
  idRank: Int32Array;
  /** Ops without predecessors, in program order (they issue at the start). */
  roots: Int32Array;
  /**
   * Compute chains (streams policy): the op that op i alone releases, when i is a compute op whose only successor is
   * a compute op of the same category whose only predecessor is i; else -1. Such a run of ops costs one event.
   */
  chainNext: Int32Array;
  /** Per op: its rounded time plus those of the ops after it in its chain (the chain's time when it heads one). */
  chainSum: Float64Array;
  /** Per op: the last op of its chain (itself when it has no chainNext), and how many ops lead there from it, itself included. */
  chainLast: Int32Array;
  chainLen: Int32Array;
  /**
   * Per op with two or more predecessors: its position among them (its countdown of predecessors lives at that
   * index); -1 for the others, which an op with one predecessor releases directly. Their count.
   */
  multiIndex: Int32Array;
  multiCount: number;
  /** Per coll, send or recv: its position among them (for per-communication state); -1 for the others. Their count. */
  commIndex: Int32Array;
  commCount: number;
  /** Per send or recv: its position among the program's sends and recvs (ProgramGraph's); their count. */
  p2pIndex: Int32Array;
  p2pCount: number;
}

const kernelTimeCache = new WeakMap<object, { engine: ComputeEngine; precision: string; timeNs: number }>();

/**
 * A compute op's base time without `durationNs`: the compute model's for an op with a `kernel` (the roofline uses
 * the op's own FLOPs and bytes when it has them, so v1 traces replay as before), else the roofline.
 */
function computeTime(op: ComputeOp, model: ComputeModel, engine: ComputeEngine | undefined, fail: (msg: string) => never): number {
  if (op.kernel && engine && (engine.name !== 'roofline' || (op.flops === undefined && op.bytes === undefined))) {
    const p = op.precision ?? model.precision;
    // generators share one descriptor object among all layers: time it once per object and precision
    const key = op.kernel;
    const hit = kernelTimeCache.get(key);
    if (hit && hit.engine === engine && hit.precision === p) return hit.timeNs;
    try {
      const t = engine.kernel(op.kernel, p).timeNs;
      kernelTimeCache.set(key, { engine, precision: p, timeNs: t });
      return t;
    } catch (e) {
      if ((e as Error).name === 'ComputeError') return fail((e as Error).message);
      throw e;
    }
  }
  if (op.kernel && !engine && op.flops === undefined && op.bytes === undefined && model.device) {
    return fail('has only a kernel descriptor, and no compute model was given to time it');
  }
  return rooflineNs(model, op.flops ?? 0, op.bytes ?? 0, op.precision, fail);
}

/**
 * Compiles the programs of one replay: what they share (the compute model, parsed algorithm lists, the typed-array
 * pool) lives here. `compile` takes a program's ops as read once by the caller (validateTrace's onProgram, for a
 * lazy program: the replay never reads `ops` again).
 */
export class ProgramCompiler {
  private readonly model: ComputeModel;
  private readonly engine: ComputeEngine | undefined;
  private readonly algoCache = new Map<string, AlgorithmSpec[]>();
  readonly astra: boolean;
  readonly pool = new TypedPool();

  constructor(opts: ReplayOptions) {
    this.astra = opts.policy === 'astra';
    this.model = {
      precision: opts.compute?.precision ?? 'bf16',
      computeEfficiency: opts.compute?.computeEfficiency ?? opts.compute?.device?.computeEfficiency ?? 1,
      memoryEfficiency: opts.compute?.memoryEfficiency ?? opts.compute?.device?.memoryEfficiency ?? 1,
      ...(opts.compute?.device ? { device: opts.compute.device } : {}),
    };
    this.engine = opts.compute?.model;
  }

  compile(g: ProgramGraph, ops: readonly Op[], shapes: readonly CollShape[]): Compiled {
    return compile(g, ops, shapes, this.model, this.engine, this.algoCache, this.astra, this.pool);
  }
}

function compile(
  g: ProgramGraph, ops: readonly Op[], shapes: readonly CollShape[], model: ComputeModel, engine: ComputeEngine | undefined, algoCache: Map<string, AlgorithmSpec[]>,
  astra: boolean, pool: TypedPool,
): Compiled {
  const n = g.n;
  const kind = pool.uint8(n);
  const cat = pool.uint8(n);
  const cls = pool.uint8(n);
  const indeg = (i: number) => g.predStart[i + 1]! - g.predStart[i]!;
  const baseDur = pool.float64(n, NaN);
  const algorithms = new Map<number, readonly AlgorithmSpec[]>();
  const bytes = g.p2pBytes;
  const shape = g.collShape;
  const where = (op: Op) => `${g.program.ranks.length > 1 ? `program ${g.index} (ranks ${compactRanges(g.program.ranks)})` : `rank ${g.program.ranks[0]}`}, op ${op.id}`;
  // (one error callback per program, reading the op being compiled: not a closure per op)
  let current: Op | undefined;
  const fail = (msg: string): never => {
    throw new TraceError(`${where(current!)}: compute op ${msg}`);
  };
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    kind[i] = KIND_CODE[op.kind];
    switch (op.kind) {
      case 'compute':
        cat[i] = op.cpu ? C_OTHER : C_COMPUTE;
        cls[i] = op.cpu ? R_CPU : R_GPU;
        current = op;
        baseDur[i] = op.durationNs ?? computeTime(op, model, engine, fail);
        break;
      case 'wait':
        cat[i] = C_OTHER;
        baseDur[i] = op.durationNs;
        break;
      case 'coll': {
        cat[i] = C_COMM;
        cls[i] = R_COMM;
        const algos = shapes[shape[i]!]!.algorithms;
        if (algos) {
          const key = JSON.stringify(algos);
          let a = algoCache.get(key);
          if (!a) {
            try {
              a = algos.map((s) => parseAlgorithm(s, 'algorithm'));
            } catch (e) {
              throw new TraceError(`${where(op)}: field "algorithms": ${(e as Error).message}`);
            }
            algoCache.set(key, a);
          }
          algorithms.set(i, a);
        }
        break;
      }
      case 'send':
      case 'recv':
        cat[i] = C_COMM;
        cls[i] = R_COMM;
        break;
      case 'marker':
        break;
    }
  }
  // astra policy only: each op's position in id order (the smallest ready id issues first)
  const idRank = new Int32Array(astra ? n : 0);
  if (astra) {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ops[a]!.id - ops[b]!.id);
    order.forEach((i, k) => { idRank[i] = k; });
  }
  const rootList: number[] = [];
  for (let i = 0; i < n; i++) if (indeg(i) === 0) rootList.push(i);
  const roots = Int32Array.from(rootList);
  const p2pIndex = g.p2pIndex, p2pCount = g.p2pCount;
  const chainNext = pool.int32(n, -1);
  if (!astra) {
    for (let i = 0; i < n; i++) {
      if (kind[i] !== K_COMPUTE || g.succStart[i + 1]! - g.succStart[i]! !== 1) continue;
      const j = g.succ[g.succStart[i]!]!;
      if (kind[j] === K_COMPUTE && cat[j] === cat[i] && g.predStart[j + 1]! - g.predStart[j]! === 1) chainNext[i] = j;
    }
  }
  const chainSum = pool.float64(n, NaN);
  const chainLast = pool.int32(n, -1);
  const chainLen = pool.int32(n);
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    if (chainLast[i]! >= 0) continue;
    let j = i;
    for (; j >= 0 && chainLast[j]! < 0; j = chainNext[j]!) stack.push(j);
    // j: the first op already done (its sums hold), or -1 past the chain's end
    let t = j >= 0 ? chainSum[j]! : 0, len = j >= 0 ? chainLen[j]! : 0;
    const last = j >= 0 ? chainLast[j]! : stack[stack.length - 1]!;
    while (stack.length > 0) {
      const k = stack.pop()!;
      t += Number.isNaN(baseDur[k]!) ? 0 : Math.round(baseDur[k]!);
      chainSum[k] = t;
      chainLen[k] = ++len;
      chainLast[k] = last;
    }
  }
  const multiIndex = pool.int32(n, -1);
  let multiCount = 0;
  for (let i = 0; i < n; i++) if (indeg(i) >= 2) multiIndex[i] = multiCount++;
  const commIndex = pool.int32(n, -1);
  let commCount = 0;
  for (let i = 0; i < n; i++) if (cat[i] === C_COMM) commIndex[i] = commCount++;
  return {
    g, kind, cat, cls, baseDur, algorithms, bytes, shape, idRank, roots, p2pIndex, p2pCount, chainNext, chainSum, chainLast, chainLen, multiIndex, multiCount,
    commIndex, commCount,
  };
}
