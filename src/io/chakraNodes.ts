/**
 * Chakra execution traces: one rank's nodes → Orrery ops (the mapping table is in chakra.ts), with the process
 * groups, the stable topological order and the collective groups from pg_name or involved_dim.
 */
import type { CollectiveOp } from '../collectives/types.ts';
import type { Op } from '../workload/trace.ts';
import {
  attrBool, attrJson, attrNumber, attrString, COMM_COLL_NODE, COMM_RECV_NODE, COMM_SEND_NODE, COMM_TYPES,
  COMP_NODE, findAttr, INVALID_NODE, MEM_LOAD_NODE, MEM_STORE_NODE, METADATA_NODE, nodeTypeName,
  type ChakraFile, type ChakraNode,
} from './chakraProto.ts';
import type { ChakraImportOptions, ChakraImportStats } from './chakra.ts';
import { InputError } from './errors.ts';

const COMM_OP: Record<number, CollectiveOp> = {
  0: 'allreduce', 1: 'reduce', 2: 'allgather', 5: 'broadcast', 6: 'alltoall', 7: 'reducescatter', 8: 'reducescatter',
  9: 'barrier',
};

/** Attributes the mapping consumes (everything else goes to `ext.attrs`). */
const CONSUMED = new Set([
  'is_cpu_op', 'num_ops', 'tensor_size', 'comm_type', 'comm_size', 'comm_src', 'comm_dst', 'comm_tag',
  'comm_priority', 'pg_name', 'involved_dim', 'duration_ns', 'orrery_kind', 'root', 'algorithms',
  'chunks', 'precision',
]);

export interface Ctx {
  opts: ChakraImportOptions;
  ranks: number;
  groups: Record<string, number[] | number[][]>;
  warnings: string[];
  stats: ChakraImportStats;
  counts: Record<string, number>;
}

export function count(ctx: Ctx, key: string, n = 1): void {
  ctx.counts[key] = (ctx.counts[key] ?? 0) + n;
}

/**
 * Maps decoded per-rank files (index = rank) to a trace. `source` names the files for messages and `meta`.
 */
function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The PyTorch process-group record of a METADATA node: `inputs.values` = `["[{\"pg_name\": \"0\", \"ranks\": […]}, …]"]`. */
function parsePgRecord(n: ChakraNode, file: string, ranks: number): Map<string, number[]> | undefined {
  const raw = n.inputs?.values ?? '';
  if (raw.length < 4) return undefined;
  // ASTRA-sim strips the surrounding `["` and `"]` (substr(2, size-4)); the payload is JSON with escaped quotes.
  let text = raw.slice(2, raw.length - 2);
  text = text.replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // not a process-group record (ASTRA-sim prints an error and goes on)
  }
  if (!Array.isArray(parsed)) return undefined;
  const out = new Map<string, number[]>();
  for (const item of parsed) {
    if (typeof item !== 'object' || item === null) continue;
    const rec = item as { pg_name?: unknown; ranks?: unknown };
    if (rec.pg_name === undefined || !Array.isArray(rec.ranks)) continue;
    const members = rec.ranks.length === 0 ? range(ranks) : (rec.ranks as unknown[]);
    if (!members.every((x) => Number.isInteger(x) && (x as number) >= 0 && (x as number) < ranks)) {
      throw new InputError(`${file}: node ${n.id} (METADATA): process group "${String(rec.pg_name)}" names ranks outside 0..${ranks - 1}: [${members.join(', ')}]`);
    }
    out.set(String(rec.pg_name), members as number[]);
  }
  return out;
}

/** Stable topological order: Kahn's algorithm, ready nodes taken by file position. */
function topoOrder(n: number, deps: number[][], file: string, ids: number[]): number[] {
  const indeg = new Int32Array(n);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (const d of deps[i]!) {
      indeg[i]!++;
      out[d]!.push(i);
    }
  }
  const heap: number[] = [];
  const push = (v: number): void => {
    heap.push(v);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]! <= v) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = v;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const c = r < heap.length && heap[r]! < heap[l]! ? r : l;
        if (heap[c]! >= last) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  for (let i = 0; i < n; i++) if (indeg[i] === 0) push(i);
  const order: number[] = [];
  while (heap.length > 0) {
    const v = pop();
    order.push(v);
    for (const w of out[v]!) if (--indeg[w]! === 0) push(w);
  }
  if (order.length < n) {
    // name one cycle: walk dependencies among the unplaced nodes until one repeats
    const left = new Set<number>();
    for (let i = 0; i < n; i++) if (indeg[i]! > 0) left.add(i);
    let v = left.values().next().value as number;
    const seen = new Map<number, number>();
    const path: number[] = [];
    while (!seen.has(v)) {
      seen.set(v, path.length);
      path.push(v);
      v = deps[v]!.find((d) => left.has(d))!;
    }
    const cycle = path.slice(seen.get(v)!).map((i) => ids[i]!);
    throw new InputError(`${file}: dependency cycle among nodes ${cycle.join(' → ')} → ${cycle[0]}`);
  }
  return order;
}

export function mapRank(
  f: ChakraFile,
  rank: number,
  file: string,
  ctx: Ctx,
  commGroups: Record<string, number[]> | undefined,
): Op[] {
  const { opts, stats } = ctx;
  const nodes = f.nodes;
  stats.nodes += nodes.length;
  const pos = new Map<number, number>();
  nodes.forEach((n, i) => {
    if (pos.has(n.id)) throw new InputError(`${file}: node id ${n.id} appears twice (ids must be unique per file)`);
    pos.set(n.id, i);
    const t = nodeTypeName(n.type);
    stats.byType[t] = (stats.byType[t] ?? 0) + 1;
  });

  // Pass 1: dependencies by position; count forward and dangling ones.
  const astra = opts.ctrlDeps === 'astra';
  const mark = new Int32Array(nodes.length).fill(-1); // mark[p] === i: p is already a dep of node i
  const deps: number[][] = nodes.map((n, i) => {
    const out: number[] = [];
    const add = (id: number, ctrl: boolean): void => {
      const p = pos.get(id);
      if (p === undefined) {
        if (ctrl) stats.danglingCtrlDeps++;
        else stats.danglingDataDeps++;
        return;
      }
      if (p > i) {
        if (ctrl) stats.forwardCtrlDeps++;
        else stats.forwardDataDeps++;
      }
      if (p === i) {
        stats.selfDeps++;
        return;
      }
      if (ctrl && !astra) return;
      if (mark[p] !== i) {
        mark[p] = i;
        out.push(p);
      }
    };
    for (const d of n.dataDeps) add(d, false);
    for (const d of n.ctrlDeps) add(d, true);
    return out;
  });
  const order = topoOrder(nodes.length, deps, file, nodes.map((n) => n.id));

  // Process groups from METADATA nodes (ASTRA-sim creates them as it issues these nodes; they come first in practice).
  const pgs = new Map<string, number[]>();
  for (const n of nodes) {
    if (n.type !== METADATA_NODE) continue;
    const rec = parsePgRecord(n, file, ctx.ranks);
    if (rec) for (const [k, v] of rec) pgs.set(k, v);
  }

  // Pass 2: map each node.
  const ops: Op[] = [];
  for (const i of order) {
    const n = nodes[i]!;
    const op = mapNode(n, rank, file, ctx, pgs, commGroups);
    const d = deps[i]!.map((p) => nodes[p]!.id);
    if (d.length > 0) op.deps = d;
    const ext = op.ext ?? {};
    if (!astra && n.ctrlDeps.length > 0) ext.parent = n.ctrlDeps.length === 1 ? n.ctrlDeps[0] : n.ctrlDeps;
    if (n.startTimeMicros !== 0) ext.startTimeMicros = n.startTimeMicros;
    if (opts.keepIo !== false) {
      if (n.inputs) ext.inputs = n.inputs;
      if (n.outputs) ext.outputs = n.outputs;
    }
    const rest: Record<string, unknown> = {};
    const p2p = n.type === COMM_SEND_NODE || n.type === COMM_RECV_NODE;
    for (const a of n.attr) {
      // comm_type is ignored on send/recv (MSCCL-converted traces put node-type numbers there): kept as a leftover
      // a string `stream` is Orrery's (chakraWrite.ts); PyTorch's integer CUDA stream id stays a leftover
      const ours = a.name === 'stream' && a.type === 'string' && !a.list;
      if ((!CONSUMED.has(a.name) && !ours) || (p2p && a.name === 'comm_type')) rest[a.name] = attrJson(a);
    }
    if (Object.keys(rest).length > 0) ext.attrs = rest;
    if (n.unknown) ext.unknownFields = n.unknown.length;
    if (Object.keys(ext).length > 0) op.ext = ext;
    ops.push(op);
  }
  return ops;
}

function nodeLabel(n: ChakraNode): string {
  return n.name ? `node ${n.id} (${n.name.length > 60 ? n.name.slice(0, 57) + '…' : n.name})` : `node ${n.id}`;
}

function mapNode(
  n: ChakraNode,
  rank: number,
  file: string,
  ctx: Ctx,
  pgs: Map<string, number[]>,
  commGroups: Record<string, number[]> | undefined,
): Op {
  const { opts } = ctx;
  const base = { id: n.id, ...(n.name !== '' ? { name: n.name } : {}) };
  const isCpu = attrBool(findAttr(n, 'is_cpu_op')) ?? false;
  const durNs = n.durationMicros === 0 ? 1 : n.durationMicros * 1000;
  // Orrery's own exports carry exact ns and op kinds (chakraWrite.ts); plain Chakra files have neither.
  const exactNs = attrNumber(findAttr(n, 'duration_ns'));
  const kind = attrString(findAttr(n, 'orrery_kind'));
  const tid = attrNumber(findAttr(n, 'tid'));
  const sa = findAttr(n, 'stream');
  const streamAttr = sa?.type === 'string' && !sa.list ? (sa.value as string) : undefined;
  const cudaStream = sa !== undefined && streamAttr === undefined ? attrNumber(sa) : undefined;
  // Orrery exports write `stream` ("" = no stream); otherwise the defaults, or one stream per PyTorch tid.
  const stream: string | null | undefined =
    streamAttr !== undefined ? (streamAttr === '' ? null : streamAttr)
      : opts.streams === 'tid' && (cudaStream ?? tid) !== undefined ? `${isCpu ? 'cpu' : 'gpu'}:${cudaStream ?? tid}` : undefined;
  const withStream = <T extends Op>(op: T): T => (stream !== undefined ? { ...op, stream } : op);

  switch (n.type) {
    case COMP_NODE: {
      if (kind === 'wait') return withStream({ ...base, kind: 'wait', durationNs: exactNs ?? n.durationMicros * 1000 });
      const flops = attrNumber(findAttr(n, 'num_ops'));
      const bytes = attrNumber(findAttr(n, 'tensor_size'));
      const precision = attrString(findAttr(n, 'precision'));
      const op: Op = { ...base, kind: 'compute' };
      if (exactNs !== undefined) op.durationNs = exactNs;
      else if (kind === 'roofline') {
        // an Orrery export of a compute op without a duration
      } else if (opts.compute === 'roofline' && !isCpu) {
        if (!bytes) op.durationNs = 0; // ASTRA-sim skips a roofline node without tensor_size
      } else op.durationNs = durNs;
      if (flops !== undefined) op.flops = flops;
      if (bytes !== undefined) op.bytes = bytes;
      if (precision !== undefined) op.precision = precision as NonNullable<typeof op.precision>;
      if (isCpu) op.cpu = true;
      return withStream(op);
    }
    case COMM_COLL_NODE: {
      if (isCpu) {
        count(ctx, 'hostColl');
        ctx.stats.hostCollectives++;
        return withStream({ ...base, kind: 'compute', durationNs: exactNs ?? durNs, cpu: true, ext: { chakraType: 'COMM_COLL_NODE' } });
      }
      const ct = attrNumber(findAttr(n, 'comm_type'));
      if (ct === undefined) throw new InputError(`${file}: ${nodeLabel(n)}: COMM_COLL_NODE without a comm_type attribute`);
      const op = COMM_OP[ct];
      if (op === undefined) {
        const nm = COMM_TYPES[ct] ?? `comm_type ${ct}`;
        throw new InputError(
          `${file}: ${nodeLabel(n)}: collective ${nm} is not supported (Orrery simulates ALL_REDUCE, REDUCE, ALL_GATHER, BROADCAST, ALL_TO_ALL, REDUCE_SCATTER, REDUCE_SCATTER_BLOCK, BARRIER; ASTRA-sim rejects ${nm} too)`,
        );
      }
      const bytes = attrNumber(findAttr(n, 'comm_size')) ?? (op === 'barrier' ? 0 : undefined);
      if (bytes === undefined) throw new InputError(`${file}: ${nodeLabel(n)}: ${COMM_TYPES[ct]} without a comm_size attribute`);
      const group = collGroup(n, rank, file, ctx, pgs, commGroups);
      if (group === null) {
        count(ctx, 'noDims');
        return { ...base, kind: 'marker', ext: { chakraType: 'COMM_COLL_NODE', op, bytes } };
      }
      const c: Op = { ...base, kind: 'coll', op, bytes };
      if (group !== 'world') c.group = group;
      const prio = attrNumber(findAttr(n, 'comm_priority'));
      if (prio !== undefined) c.priority = prio;
      const root = attrNumber(findAttr(n, 'root'));
      if (root !== undefined) c.root = root;
      const chunks = attrNumber(findAttr(n, 'chunks'));
      if (chunks !== undefined) c.chunks = chunks;
      const algos = findAttr(n, 'algorithms');
      if (algos?.list && algos.type === 'string') c.algorithms = algos.value as string[];
      if (exactNs !== undefined) c.durationNs = exactNs;
      else if (n.durationMicros > 0) c.durationNs = n.durationMicros * 1000;
      return withStream(c);
    }
    case COMM_SEND_NODE:
    case COMM_RECV_NODE: {
      const send = n.type === COMM_SEND_NODE;
      if (isCpu) count(ctx, 'cpuComm');
      const src = attrNumber(findAttr(n, 'comm_src'));
      const dst = attrNumber(findAttr(n, 'comm_dst'));
      const peer = send ? dst : src;
      const self = send ? src : dst;
      const what = send ? 'COMM_SEND_NODE' : 'COMM_RECV_NODE';
      if (peer === undefined) throw new InputError(`${file}: ${nodeLabel(n)}: ${what} without ${send ? 'comm_dst' : 'comm_src'}`);
      if (!Number.isInteger(peer) || peer < 0 || peer >= ctx.ranks) {
        throw new InputError(`${file}: ${nodeLabel(n)}: ${send ? 'comm_dst' : 'comm_src'} ${peer} is outside ranks 0..${ctx.ranks - 1}`);
      }
      if (self !== undefined && self !== rank) {
        throw new InputError(`${file}: ${nodeLabel(n)}: ${send ? 'comm_src' : 'comm_dst'} is ${self} but this is rank ${rank}'s file (ASTRA-sim: "${send ? 'Send node should be issued by the sender' : 'Recv node should be issued by the receiver'}")`);
      }
      const bytes = attrNumber(findAttr(n, 'comm_size')) ?? attrNumber(findAttr(n, 'tensor_size'));
      if (bytes === undefined) throw new InputError(`${file}: ${nodeLabel(n)}: ${what} without comm_size or tensor_size`);
      const tag = attrNumber(findAttr(n, 'comm_tag')) ?? 0;
      return withStream({ ...base, kind: send ? 'send' : 'recv', peer, tag, bytes });
    }
    case METADATA_NODE:
      return { ...base, kind: 'marker', ext: { chakraType: 'METADATA_NODE' } };
    case INVALID_NODE:
      return withStream({ ...base, kind: 'marker' });
    case MEM_LOAD_NODE:
    case MEM_STORE_NODE:
      count(ctx, 'mem');
      return { ...base, kind: 'marker', ext: { chakraType: nodeTypeName(n.type), tensorSize: attrNumber(findAttr(n, 'tensor_size')) ?? 0 } };
    default:
      count(ctx, 'other');
      return { ...base, kind: 'marker', ext: { chakraType: nodeTypeName(n.type) } };
  }
}

/**
 * The group of a collective: pg_name ("" or "0" = world) through the METADATA process groups or the comm-group
 * JSON; else the involved_dim mask over the topology's dimensions. Returns the group name, 'world', or null when
 * the mask involves no dimension.
 */
function collGroup(
  n: ChakraNode,
  rank: number,
  file: string,
  ctx: Ctx,
  pgs: Map<string, number[]>,
  commGroups: Record<string, number[]> | undefined,
): string | null {
  const pg = attrString(findAttr(n, 'pg_name')) ?? '';
  const maskAttr = findAttr(n, 'involved_dim');
  let mask: boolean[] | undefined;
  if (maskAttr !== undefined) {
    if (!maskAttr.list || maskAttr.type !== 'bool') {
      throw new InputError(`${file}: ${nodeLabel(n)}: involved_dim must be a bool_list (as ASTRA-sim requires), got ${maskAttr.type ?? 'no value'}${maskAttr.list ? '_list' : ''}`);
    }
    mask = maskAttr.value as boolean[];
  }
  if (pg !== '' && pg !== '0') {
    const members = pgs.get(pg) ?? commGroups?.[pg];
    if (members === undefined) {
      const known = [...new Set([...pgs.keys(), ...Object.keys(commGroups ?? {})])];
      throw new InputError(
        `${file}: ${nodeLabel(n)}: communicator group pg_name "${pg}" is not defined` +
          (known.length > 0 ? ` (defined: ${known.join(', ')})` : ' (pass ASTRA-sim\'s comm-group JSON, or a trace with a process-group METADATA node)'),
      );
    }
    for (const m of members) {
      if (m >= ctx.ranks) throw new InputError(`${file}: ${nodeLabel(n)}: group "${pg}" names rank ${m}, but the trace has ${ctx.ranks} ranks`);
    }
    if (!members.includes(rank)) throw new InputError(`${file}: ${nodeLabel(n)}: rank ${rank} issues a collective on group "${pg}" = [${members.join(', ')}], which does not contain it`);
    if (mask && mask.some((b, i) => !b && i < (ctx.opts.dims?.length ?? mask!.length))) count(ctx, 'dimsIgnored');
    if (members.length === ctx.ranks && [...members].sort((a, b) => a - b).every((m, i) => m === i)) return 'world';
    const name = `pg${pg}`;
    const prev = ctx.groups[name];
    if (prev === undefined) ctx.groups[name] = [...members];
    else if (JSON.stringify(prev) !== JSON.stringify(members)) {
      throw new InputError(`${file}: ${nodeLabel(n)}: group "${pg}" is [${members.join(', ')}] here but [${(prev as number[]).join(', ')}] in another rank's file`);
    }
    return name;
  }
  if (mask === undefined) return 'world';
  const dims = ctx.opts.dims;
  if (dims === undefined) {
    if (mask.every((b) => b)) return 'world';
    throw new InputError(`${file}: ${nodeLabel(n)}: involved_dim [${mask.join(', ')}] spans only some network dimensions: pass the topology (its NPUs per dimension) so the importer can form the groups`);
  }
  if (mask.length < dims.length) count(ctx, 'shortMask');
  const inv = dims.map((_, d) => mask![d] === true);
  if (inv.every((b) => b)) return 'world';
  if (!inv.some((b) => b)) return null;
  const name = `dims:${inv.map((b, d) => (b ? String(d) : '')).filter((s) => s !== '').join('+')}`;
  if (ctx.groups[name] === undefined) ctx.groups[name] = dimPartition(dims, inv);
  return name;
}

/** Ranks grouped by equal coordinates on the dimensions not involved (dim 0 fastest). */
export function dimPartition(dims: number[], involved: boolean[]): number[][] {
  const total = dims.reduce((a, b) => a * b, 1);
  const blocks = new Map<number, number[]>();
  for (let r = 0; r < total; r++) {
    let rest = r;
    let key = 0;
    let mul = 1;
    for (let d = 0; d < dims.length; d++) {
      const c = rest % dims[d]!;
      rest = Math.floor(rest / dims[d]!);
      if (!involved[d]) key += c * mul;
      mul *= dims[d]!;
    }
    let b = blocks.get(key);
    if (!b) blocks.set(key, (b = []));
    b.push(r);
  }
  return [...blocks.values()];
}
