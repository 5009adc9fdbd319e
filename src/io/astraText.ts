/**
 * ASTRA-sim 1.0 text workloads (and SimAI/AICB's dialect of them) → Orrery traces.
 *
 * A file is `<PARALLELISM> [header extras]`, the layer count, then one line per layer of 12 whitespace-separated
 * columns (13 for HYBRID_CUSTOMIZED): name, reserved, fwd compute, fwd comm type, fwd comm bytes, input-grad compute,
 * ig comm type, ig bytes, weight-grad compute, wg comm type, wg bytes, update delay (FORMATS.md §1.1–1.2).
 *
 * Each parallelism keyword is ASTRA-sim 1.0's training-loop state machine (`Workload::iterate_*`), replayed here
 * once at import time to emit the ops it would issue, in order, with the dependencies its blocking points create
 * (FORMATS.md §1.3; the iterate_* functions of ASTRA-sim 1.0's Workload.cc and SimAI's fork of it):
 * - compute of `c` cycles → a `compute` op of c ns (1 GHz, ASTRA-sim's 1 ns clock period), on the compute stream;
 *   a zero column issues nothing (ASTRA-sim registers no delay for it);
 * - a collective → a `coll` op with `stream: null` (ASTRA-sim runs its collectives concurrently; only its queues
 *   order them), priority HIGHEST = 2, LIFO = 1, FIFO = 0 (none given: the system's policy);
 * - the update column → a `wait` after each collective, on which everything that waits for the collective
 *   depends (Layer.cc: `..._Comm_Finished_After_Delay`);
 * - blocking collectives and "wait until this layer's collective is done" → dependencies of the next action.
 * ASTRA-sim's 1-cycle hops between states are not modelled.
 *
 * Groups: ASTRA-sim 1.0 routes a collective over the network dimensions its policy's mask involves. Orrery turns the
 * mask into a partition group over the topology's dimensions (dim 0 fastest). HYBRID_TRANSFORMER's mask splits at
 * `break_dimension(TP)`, which makes the tensor-parallel group the blocks of TP consecutive ranks and the
 * data-parallel group the ranks TP apart, whatever the topology. SimAI files (labelled header with ep:/pp:/…,
 * or `_EP`/`_DP_EP` suffixes) name their groups instead: TP, DP, EP, DP_EP, laid out as SimAI's MockNcclGroup does.
 */
import { checkWork } from '../units/index.ts';
import type { Op, Trace } from '../workload/trace.ts';
import { dimPartition } from './chakra.ts';
import { InputError } from './errors.ts';
import { ASTRA_POLICIES, parseAstraText, type AstraPolicy, type Header, type Layer, type Phase } from './astraTextParse.ts';

export { ASTRA_POLICIES, parseAstraText, type AstraPolicy };

export interface AstraTextOptions {
  /** Refuse a workload of more ops than this (passes × layers × ranks, at least; `--max-events`). */
  maxOps?: number;
  /** World size (default: the product of `dims`, else SimAI's `all_gpus:`). */
  ranks?: number;
  /** The topology's NPUs per dimension (dim 0 fastest), for the policies that split by dimension. */
  dims?: number[];
  /** Training passes (ASTRA-sim's `--num-passes`, default 1). */
  passes?: number;
  /**
   * `ns` (default): a cycle is 1 ns. `chakra-compat`: compute ×1000 and no update delays, as ASTRA-sim 2.x runs a
   * file converted by Chakra's text converter (which copies cycles into duration_micros and drops the update column).
   */
  units?: 'ns' | 'chakra-compat';
  /** Multiplies the compute columns (ASTRA-sim's `--compute-scale`). */
  computeScale?: number;
  /** Multiplies the communication sizes (`--comm-scale`). */
  commScale?: number;
  /** `auto` (default) recognises SimAI files by their labelled header or group suffixes. */
  dialect?: 'auto' | 'astra' | 'simai';
}


/**
 * ASTRA-sim's `break_dimension(TP)`: the logical dimensions after splitting the physical dimension where the
 * tensor-parallel group ends, and the index `b` of the last model dimension (−1 when TP = 1).
 */
export function breakDimension(dims: number[], tp: number, file: string): { dims: number[]; b: number } {
  if (tp === 1) return { dims, b: -1 };
  let cum = 1;
  for (let d = 0; d < dims.length; d++) {
    const size = dims[d]!;
    if (cum * size < tp) {
      cum *= size;
      continue;
    }
    if (cum * size === tp) return { dims, b: d };
    const first = tp / cum;
    if (!Number.isInteger(first) || size % first !== 0) {
      throw new InputError(`${file}: model_parallel_NPU_group ${tp} does not split the topology (${dims.join('×')}): dimension ${d} of ${size} NPUs cannot hold ${tp}/${cum} of it`);
    }
    return { dims: [...dims.slice(0, d), first, size / first, ...dims.slice(d + 1)], b: d };
  }
  throw new InputError(`${file}: model_parallel_NPU_group ${tp} is larger than the topology (${dims.reduce((a, b) => a * b, 1)} NPUs)`);
}

/** decode_involved_dimensions: the 10-entry masks of each phase for a policy. */
function policyMasks(policy: AstraPolicy | 'ALL', b: number): Record<Phase, boolean[]> {
  const all = Array<boolean>(10).fill(true);
  const none = Array<boolean>(10).fill(false);
  const first = none.map((_, i) => i === 0);
  const rest = none.map((_, i) => i !== 0);
  switch (policy) {
    case 'ALL': return { fwd: all, ig: all, wg: all };
    case 'DATA': case 'HYBRID_DLRM': case 'HYBRID_DLRM_ENHANCED': case 'MICRO': return { fwd: none, ig: none, wg: all };
    case 'MODEL': case 'DISTRIBUTED_INFERENCE': return { fwd: all, ig: all, wg: none };
    case 'HYBRID_MODEL_DATA': return { fwd: rest, ig: rest, wg: first };
    case 'HYBRID_DATA_MODEL': return { fwd: first, ig: first, wg: rest };
    case 'HYBRID_TRANSFORMER': case 'HYBRID_TRANSFORMER_FWD_IN_BCKWD': {
      const model = none.map((_, i) => i <= b);
      return { fwd: model, ig: model, wg: model.map((m) => !m) };
    }
    case 'HYBRID_CUSTOMIZED': return { fwd: none, ig: none, wg: none };
  }
}

const PRIORITY = { HIGHEST: 2, LIFO: 1, FIFO: 0 } as const;
type Sched = keyof typeof PRIORITY | 'None';

/** Builds the ops of one rank's program by replaying ASTRA-sim's loop. */
class Emitter {
  ops: Op[] = [];
  private frontier: number[] = [];
  zeroBytes = 0;

  constructor(
    private readonly updates: boolean,
    private readonly group: (layer: Layer, phase: Phase) => string | null | undefined,
    private readonly passTag: () => string,
  ) {}

  private push(op: Op): number {
    op.id = this.ops.length;
    this.ops.push(op);
    return op.id;
  }

  private deps(): { deps?: number[] } {
    return this.frontier.length > 0 ? { deps: [...this.frontier] } : {};
  }

  compute(layer: Layer, phase: Phase, suffix = ''): void {
    const ns = layer.compute[phase];
    if (ns <= 0) return;
    const id = this.push({ id: 0, kind: 'compute', name: `${layer.name}.${phase}${suffix}${this.passTag()}`, durationNs: ns, ...this.deps() });
    this.frontier = [id];
  }

  /** Issues a collective; returns the id that waiters depend on (after the update delay), if one was issued. */
  coll(layer: Layer, phase: Phase, sched: Sched, blocking: boolean, suffix = ''): number | undefined {
    const c = layer.comm[phase];
    if (!c) return undefined;
    const group = this.group(layer, phase);
    if (group === null) return undefined; // no involved dimension: ASTRA-sim issues nothing
    if (c.bytes === 0) this.zeroBytes++;
    const name = `${layer.name}.${phase}${suffix}${this.passTag()}`;
    const op: Op = { id: 0, kind: 'coll', name: `${name}.${c.op}`, op: c.op, bytes: c.bytes, stream: null, ...this.deps() };
    if (group !== undefined) op.group = group;
    if (sched !== 'None') op.priority = PRIORITY[sched];
    let handle = this.push(op);
    if (this.updates && layer.update > 0) {
      handle = this.push({ id: 0, kind: 'wait', name: `${name}.update`, durationNs: layer.update, deps: [handle] });
    }
    if (blocking) this.frontier = [handle];
    return handle;
  }

  waitFor(handle: number | undefined): void {
    if (handle !== undefined && !this.frontier.includes(handle)) this.frontier.push(handle);
  }
}

export function astraTextToTrace(text: string, file: string, opts: AstraTextOptions = {}): Trace {
  const { header, layers, warnings, simaiSuffixes } = parseAstraText(text, file);
  const labels = header.labels;
  const simaiHeader = ['ep', 'pp', 'vpp', 'ga', 'all_gpus', 'pp_comm'].some((k) => labels.has(k));
  const dialect = opts.dialect === undefined || opts.dialect === 'auto' ? (simaiHeader || simaiSuffixes ? 'simai' : 'astra') : opts.dialect;
  const passes = opts.passes ?? 1;
  if (!Number.isInteger(passes) || passes < 1) throw new InputError(`--passes: expected a positive integer, got ${passes}`);
  const compat = opts.units === 'chakra-compat';
  const cs = (opts.computeScale ?? 1) * (compat ? 1000 : 1);
  const ms = opts.commScale ?? 1;
  if (!(cs > 0) || !(ms > 0)) throw new InputError(`--compute-scale and --comm-scale must be positive`);
  for (const l of layers) {
    for (const p of ['fwd', 'ig', 'wg'] as Phase[]) {
      l.compute[p] = Math.round(l.compute[p] * cs);
      const c = l.comm[p];
      if (c) c.bytes = Math.round(c.bytes * ms);
    }
  }

  // World size
  const dims = opts.dims;
  const dimsProduct = dims?.reduce((a, b) => a * b, 1);
  const allGpus = labels.get('all_gpus');
  let ranks = opts.ranks ?? dimsProduct ?? (dialect === 'simai' ? allGpus : undefined);
  if (ranks === undefined) throw new InputError(`${file}: the world size is unknown: pass the topology (or a rank count)`);
  if (dimsProduct !== undefined && ranks !== dimsProduct) throw new InputError(`${file}: ${ranks} ranks asked for, but the topology has ${dimsProduct} NPUs`);
  if (dialect === 'simai' && allGpus !== undefined && allGpus !== ranks) {
    throw new InputError(`${file}: line 1: all_gpus: ${allGpus}, but the topology has ${ranks} NPUs (SimAI lays its groups out over all_gpus)`);
  }
  if (!Number.isInteger(ranks) || ranks < 1) throw new InputError(`${file}: the world size must be a positive integer, got ${ranks}`);
  ranks = ranks as number;

  const tp = labels.get('model_parallel_NPU_group') ?? 1;
  const transformer = header.policy === 'HYBRID_TRANSFORMER' || header.policy === 'HYBRID_TRANSFORMER_FWD_IN_BCKWD';
  if (transformer && !labels.has('model_parallel_NPU_group')) {
    throw new InputError(`${file}: line 1: ${header.policy} needs "model_parallel_NPU_group: N" (the TP group size)`);
  }
  if (transformer && (tp < 1 || ranks % tp !== 0)) throw new InputError(`${file}: line 1: model_parallel_NPU_group ${tp} does not divide the ${ranks} ranks`);

  const groups: Record<string, number[][]> = {};
  const counts = { single: 0, inactive: 0 };

  // Group of a phase's collective: a group name, undefined (world) or null (no involved dimension).
  let groupOf: (layer: Layer, phase: Phase) => string | null | undefined;
  if (dialect === 'simai') {
    const pp = labels.get('pp') ?? 1;
    const ep = labels.get('ep') ?? 1;
    if (ranks % (tp * pp) !== 0) throw new InputError(`${file}: line 1: TP ${tp} × pp ${pp} does not divide the ${ranks} GPUs`);
    const dp = ranks / (tp * pp);
    if (dp % ep !== 0) throw new InputError(`${file}: line 1: ep ${ep} does not divide the data-parallel size ${dp} (= ${ranks} / (TP ${tp} × pp ${pp}))`);
    const sizes: Record<string, number> = { TP: tp, DP: dp, EP: ep, DP_EP: dp / ep };
    const layout = simaiGroups(ranks, tp, pp, ep);
    if (pp > 1 && ep > 1) warnings.push(`line 1: pp ${pp} with ep ${ep}: SimAI's own EP/DP_EP groups overlap when pp > 1; Orrery uses rank = tp + TP·(pp + PP·(ep + EP·edp))`);
    groupOf = (layer, phase) => {
      // DATA-like policies route fwd/ig collectives over no dimension, MODEL-like ones their wg collectives
      if (!transformer && policyMasks(layer.policy, 0)[phase].every((m) => !m)) return null;
      const c = layer.comm[phase]!;
      const kind = c.suffix !== '' ? c.suffix : phase === 'wg' ? 'DP' : 'TP';
      if (sizes[kind] === 1) {
        counts.single++;
        return null;
      }
      if (sizes[kind] === ranks) return undefined;
      if (!groups[kind]) groups[kind] = layout[kind as keyof typeof layout];
      return kind;
    };
  } else {
    const simaiOnly = layers.find((l) => Object.values(l.comm).some((c) => c && c.suffix !== ''));
    if (simaiOnly) throw new InputError(`${file}: line ${simaiOnly.line}: SimAI group suffixes (_EP, _DP_EP) need the SimAI dialect`);
    let logical: number[] | undefined = dims;
    let b = -1;
    if (transformer) {
      const bd = breakDimension(dims ?? [ranks], tp, file);
      logical = bd.dims;
      b = bd.b;
    }
    groupOf = (layer, phase) => {
      const policy = header.policy === 'HYBRID_DLRM' || header.policy === 'HYBRID_DLRM_ENHANCED'
        ? (layer === layers[0] ? 'ALL' : header.policy)
        : layer.policy;
      const mask = policyMasks(policy, b)[phase];
      if (mask.every((m) => m)) return undefined;
      if (mask.every((m) => !m)) return null;
      if (logical === undefined) {
        throw new InputError(`${file}: line ${layer.line}: ${layer.policy} routes ${phase} collectives over some network dimensions only: pass the topology (its NPUs per dimension)`);
      }
      const inv = logical.map((_, d) => mask[d] === true);
      if (inv.every((m) => m)) return undefined;
      if (!inv.some((m) => m)) {
        counts.inactive++;
        return null;
      }
      const name = transformer ? (inv[0] ? 'tp' : 'dp') : `dims:${inv.map((m, d) => (m ? String(d) : '')).filter((s) => s).join('+')}`;
      if (!groups[name]) groups[name] = dimPartition(logical, inv);
      return name;
    };
  }

  if (opts.maxOps !== undefined) {
    // every layer is at least one op per rank per pass
    checkWork(passes * Math.max(1, layers.length) * ranks, opts.maxOps, `${file} with --passes ${passes} (${layers.length} layers, ${ranks} ranks)`, 'ops', '--max-events', 0.1);
  }
  let pass = 0;
  const e = new Emitter(!compat, groupOf, () => (passes > 1 ? `#${pass}` : ''));
  replayLoop(header, layers, passes, dialect, e, file, (p) => { pass = p; });

  if (counts.single) warnings.push(`${counts.single} collectives on single-rank groups skipped (nothing to exchange)`);
  if (counts.inactive) warnings.push(`${counts.inactive} collectives involve no dimension of this topology (${(dims ?? [ranks]).join('×')}): skipped, as ASTRA-sim does`);
  if (e.zeroBytes) warnings.push(`${e.zeroBytes} collectives of 0 bytes kept (they still cost their latency)`);
  if (dialect === 'simai' && (labels.get('pp') ?? 1) > 1) {
    warnings.push(`pp: ${labels.get('pp')}: SimAI simulates one pipeline stage's layers on every GPU and accounts pipeline bubbles and pp_comm (${labels.get('pp_comm') ?? 0} B) only in its report; so does this trace`);
  }

  const meta: Record<string, unknown> = {
    name: file.split('/').pop()!.replace(/\.txt$/, ''),
    source: `astra-text:${file}`,
    astra: {
      parallelism: header.policy, dialect, layers: layers.length, passes, units: compat ? 'chakra-compat (cycles ×1000)' : 'ns (1 cycle = 1 ns)',
      ...(transformer ? { tp } : {}),
      ...(header.dlrmLastBottom !== undefined ? { dlrmLastBottomLayer: header.dlrmLastBottom } : {}),
      ...(header.checkpoints.length ? { checkpoints: header.checkpoints, checkpointInitiates: header.initiates } : {}),
      ...(dialect === 'simai' ? { simai: Object.fromEntries(labels) } : {}),
    },
    warnings: warnings.map((w) => `${file}: ${w}`),
  };
  return {
    format: 'orrery-trace',
    version: 1,
    units: { time: 'ns', size: 'B' },
    meta,
    ranks,
    groups,
    programs: [{ ranks: Array.from({ length: ranks }, (_, i) => i), ops: e.ops }],
  };
}

/**
 * SimAI's groups over rank = tp + TP·(pp + PP·dp), with dp = ep + EP·edp: TP blocks of consecutive ranks, DP the
 * ranks with equal tp and pp, EP the consecutive data-parallel ranks of one expert-data-parallel index, DP_EP
 * (expert data parallel) the ranks with equal tp, pp and ep. For pp = 1 this is exactly SimAI's MockNcclGroup
 * layout (astra-sim-alibabacloud/astra-sim/system/MockNcclGroup.cc); for pp > 1 MockNcclGroup's EP groups cross
 * pipeline stages and its DP_EP groups overlap, which no partition can express.
 */
function simaiGroups(n: number, tp: number, pp: number, ep: number): Record<'TP' | 'DP' | 'EP' | 'DP_EP', number[][]> {
  const dp = n / (tp * pp);
  const edp = dp / ep;
  const rank = (t: number, p: number, e: number, x: number): number => t + tp * (p + pp * (e + ep * x));
  const TP: number[][] = [];
  const DP: number[][] = [];
  const EP: number[][] = [];
  const DP_EP: number[][] = [];
  for (let x = 0; x < edp; x++) for (let e = 0; e < ep; e++) for (let p = 0; p < pp; p++) TP.push(Array.from({ length: tp }, (_, t) => rank(t, p, e, x)));
  for (let p = 0; p < pp; p++) for (let t = 0; t < tp; t++) {
    DP.push(Array.from({ length: dp }, (_, d) => rank(t, p, d % ep, Math.floor(d / ep))));
    for (let x = 0; x < edp; x++) EP.push(Array.from({ length: ep }, (_, e) => rank(t, p, e, x)));
    for (let e = 0; e < ep; e++) DP_EP.push(Array.from({ length: edp }, (_, x) => rank(t, p, e, x)));
  }
  return { TP, DP, EP, DP_EP };
}

/** ASTRA-sim 1.0's (and SimAI's) training loops, as state machines over the layers. */
function replayLoop(
  header: Header,
  layers: Layer[],
  passes: number,
  dialect: 'astra' | 'simai',
  e: Emitter,
  file: string,
  setPass: (p: number) => void,
): void {
  const N = layers.length;
  if (N === 0) return;
  const policy = header.policy;
  const latestWg: (number | undefined)[] = new Array(N).fill(undefined);
  const L = (i: number): Layer => layers[i]!;

  if (policy === 'MICRO') {
    for (let p = 0; p < passes; p++) {
      setPass(p);
      e.coll(L(0), 'wg', 'None', false);
    }
    return;
  }

  if (policy === 'DISTRIBUTED_INFERENCE') {
    for (let p = 0; p < passes; p++) {
      setPass(p);
      for (let i = 0; i < N; i++) {
        e.compute(L(i), 'fwd');
        e.coll(L(i), 'fwd', 'None', true);
      }
    }
    return;
  }

  if (policy === 'DATA') {
    for (let p = 0; p < passes; p++) {
      setPass(p);
      for (let i = 0; i < N; i++) {
        e.waitFor(latestWg[i]);
        e.compute(L(i), 'fwd');
      }
      for (let i = N - 1; i >= 0; i--) {
        e.compute(L(i), 'wg');
        latestWg[i] = e.coll(L(i), 'wg', 'None', false);
        if (i > 0) e.compute(L(i), 'ig');
      }
    }
    return;
  }

  if (policy === 'HYBRID_DLRM' || policy === 'HYBRID_DLRM_ENHANCED') {
    const last = header.dlrmLastBottom;
    if (last === undefined) throw new InputError(`${file}: line 1: ${policy} needs the last bottom-MLP layer (e.g. "${policy} 4" or "DLRM_LAST_BOTTOM_LAYER: 4")`);
    if (last < 0 || last >= N - 1) throw new InputError(`${file}: line 1: DLRM last bottom layer ${last} must be in 0..${N - 2}`);
    for (let p = 0; p < passes; p++) {
      setPass(p);
      let fwd0: number | undefined;
      let ig0: number | undefined;
      for (let i = 0; i < N; i++) {
        e.waitFor(latestWg[i]);
        e.compute(L(i), 'fwd');
        if (L(i).comm.fwd?.op === 'alltoall') {
          const h = e.coll(L(i), 'fwd', 'HIGHEST', false);
          if (i === 0) fwd0 = h;
        } else if (i === last) e.waitFor(fwd0);
      }
      for (let i = N - 1; ; ) {
        e.compute(L(i), 'wg');
        latestWg[i] = e.coll(L(i), 'wg', 'None', false);
        if (policy === 'HYBRID_DLRM' && i === 0) e.waitFor(ig0);
        if (i === 0) break;
        e.compute(L(i), 'ig');
        if (i === last + 1) ig0 = e.coll(L(0), 'ig', 'HIGHEST', false);
        i--;
      }
    }
    return;
  }

  // MODEL, HYBRID_DATA_MODEL, HYBRID_MODEL_DATA, HYBRID_CUSTOMIZED, HYBRID_TRANSFORMER(_FWD_IN_BCKWD)
  const transformer = policy === 'HYBRID_TRANSFORMER' || policy === 'HYBRID_TRANSFORMER_FWD_IN_BCKWD';
  const igAtLayer0 = transformer; // the other hybrids skip layer 0's input-gradient collective
  const igBlocking = transformer && dialect === 'simai'; // SimAI issues it blocking
  const wgComm = policy !== 'MODEL';
  const isCkpt = new Set(header.checkpoints);
  const initiates = new Set(policy === 'HYBRID_TRANSFORMER_FWD_IN_BCKWD' ? header.initiates : []);
  for (const l of [...isCkpt, ...initiates]) {
    if (l < 0 || l >= N) throw new InputError(`${file}: line 1: checkpoint layer ${l} is outside 0..${N - 1}`);
  }
  for (let p = 0; p < passes; p++) {
    setPass(p);
    for (let i = 0; i < N; i++) {
      e.waitFor(latestWg[i]);
      e.compute(L(i), 'fwd');
      e.coll(L(i), 'fwd', 'None', true);
    }
    // backward: the Input_Gradient / Weight_Gradient / Forward_In_BackPass states
    let i = N - 1;
    let initiated = false;
    let state: 'ig' | 'wg' | 'fib' = 'ig';
    let ig: number | undefined;
    let guard = 0;
    for (;;) {
      if (++guard > 100 * N + 100) throw new InputError(`${file}: the checkpoint recompute never reaches an initiating layer`);
      if (state === 'ig') {
        if (initiates.has(i) && !initiated) {
          let c = i;
          while (c >= 0 && !isCkpt.has(c)) c--;
          if (c < 0) throw new InputError(`${file}: line 1: layer ${i} initiates a recompute but no checkpoint layer is at or below it`);
          i = c;
          state = 'fib';
          initiated = true;
          continue;
        }
        e.compute(L(i), 'ig');
        ig = i > 0 || igAtLayer0 ? e.coll(L(i), 'ig', 'LIFO', igBlocking) : undefined;
        initiated = false;
        state = 'wg';
      } else if (state === 'wg') {
        e.compute(L(i), 'wg');
        if (wgComm) latestWg[i] = e.coll(L(i), 'wg', 'FIFO', false);
        e.waitFor(ig);
        ig = undefined;
        i--;
        if (i < 0) break;
        state = 'ig';
      } else {
        // Forward_In_BackPass: recompute forward from the checkpoint up to the next initiating layer
        e.waitFor(latestWg[i]);
        e.compute(L(i), 'fwd', '.recompute');
        e.coll(L(i), 'fwd', 'None', true, '.recompute');
        i++;
        if (i >= N) throw new InputError(`${file}: line 1: the recompute from a checkpoint runs past the last layer without meeting an initiating layer`);
        if (initiates.has(i)) state = 'ig';
      }
    }
  }
}
