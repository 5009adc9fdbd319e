/**
 * Chakra execution traces (ASTRA-sim 2.x's input) → Orrery traces.
 *
 * Files: `<prefix>.<rank>.et`, one per rank, ranks discovered from 0 until a file is missing (or an explicit count),
 * each gzip-compressed or not (sniffed from the 1f 8b magic). Decoding is chakraProto.ts; this module maps nodes to
 * ops (FORMATS.md §6.6):
 *
 * | Chakra node | Orrery op |
 * |---|---|
 * | COMP_NODE | `compute`: durationNs = duration_micros·1000 (0 → 1 ns, as ASTRA-sim), flops = num_ops, bytes = tensor_size, cpu = is_cpu_op |
 * | COMM_COLL_NODE | `coll`: op from comm_type, bytes = comm_size, group from pg_name / involved_dim, priority = comm_priority, durationNs = duration_micros·1000 (kept for replay-by-duration) |
 * | COMM_COLL_NODE with is_cpu_op | `compute` on the CPU (the host side of a c10d call; ASTRA-sim rejects these nodes) |
 * | COMM_SEND_NODE / COMM_RECV_NODE | `send` / `recv`: peer = comm_dst / comm_src, tag = comm_tag, bytes = comm_size ?? tensor_size (comm_type ignored) |
 * | METADATA_NODE | `marker`; its PyTorch process-group record defines groups |
 * | INVALID_NODE, MEM_LOAD/STORE, STORAGE/BATCH/CHECKPOINT | `marker` (zero time; a warning for memory and storage nodes) |
 *
 * Dependencies: `data_deps` always; `ctrl_deps` only in `ctrlDeps: 'astra'` mode (ASTRA-sim's FeederV3 honours both;
 * PyTorch-converted traces use ctrl_deps as caller→callee parent links, so by default they go to `ext.parent`).
 * Two passes: dependencies may point forward; ids missing from the file are dropped with a counted warning. Ops are
 * listed in a stable topological order (file order wherever the dependencies allow), so that in-order streams
 * never wait on a later op.
 *
 * Streams: by default the trace's defaults (GPU compute, CPU, communication), which mirror ASTRA-sim's one op in
 * flight per resource class; `streams: 'tid'` uses the PyTorch `tid` attribute instead (one stream per thread or
 * CUDA stream). ASTRA-sim issues whichever ready op comes first; Orrery's streams run in list order.
 */
import { gunzipCapped, isGzip, readInputFile } from './input.ts';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Op, Program, Trace } from '../workload/trace.ts';
import { attrJson, decodeChakra, type ChakraFile } from './chakraProto.ts';
import { InputError, kindOf } from './errors.ts';

export interface ChakraImportOptions {
  /** Number of ranks to read (default: discover `prefix.0.et`, `prefix.1.et`, … until one is missing). */
  ranks?: number;
  /** `parent` (default): ctrl_deps are parent links, kept in `ext.parent`. `astra`: they are dependencies too. */
  ctrlDeps?: 'parent' | 'astra';
  /** ASTRA-sim's communicator-group JSON (`{ "1": [0,1,2,3], … }`), as a file path or already parsed. */
  commGroups?: string | Record<string, unknown>;
  /** The topology's NPUs per dimension (dim 0 fastest): turns `involved_dim` masks into groups. */
  dims?: number[];
  /**
   * GPU compute time: `duration` (default) replays duration_micros; `roofline` drops it so the replay's roofline
   * uses num_ops and tensor_size (ASTRA-sim's `roofline-enabled`; a GPU node with tensor_size 0 takes no time).
   */
  compute?: 'duration' | 'roofline';
  /**
   * `resource` (default): the trace's default streams. `tid`: one stream per PyTorch thread / CUDA stream (the
   * integer `stream` attribute when present, else `tid`).
   */
  streams?: 'resource' | 'tid';
  /** Keep the PyTorch `inputs`/`outputs` strings in `ext` (default true; they are most of a PyTorch trace's size). */
  keepIo?: boolean;
}

/** What the importer saw, in `trace.meta.chakra`. */
export interface ChakraImportStats {
  prefix: string;
  files: string[];
  version: string;
  nodes: number;
  byType: Record<string, number>;
  forwardDataDeps: number;
  forwardCtrlDeps: number;
  danglingDataDeps: number;
  danglingCtrlDeps: number;
  /** Nodes that list themselves as a dependency (dropped). */
  selfDeps: number;
  hostCollectives: number;
}

/** The per-rank file names for a prefix; accepts `x.0.et` or `x.et` for convenience. */
export function chakraFiles(prefixArg: string, ranks?: number): { prefix: string; files: string[] } {
  let prefix = prefixArg;
  const m = /^(.*)\.(\d+)\.et$/.exec(prefix);
  if (m && existsSync(prefix) && statSync(prefix).isFile()) prefix = m[1]!;
  else if (/\.et$/.test(prefix) && existsSync(prefix) && statSync(prefix).isFile()) {
    if (ranks !== undefined && ranks !== 1) throw new InputError(`--chakra: ${prefix} is a single file, but ${ranks} ranks were asked for`);
    return { prefix, files: [prefix] };
  }
  const name = (r: number): string => `${prefix}.${r}.et`;
  const files: string[] = [];
  if (ranks !== undefined) {
    if (!Number.isInteger(ranks) || ranks < 1) throw new InputError(`--chakra ranks: expected a positive integer, got ${ranks}`);
    for (let r = 0; r < ranks; r++) {
      if (!existsSync(name(r))) throw new InputError(`--chakra: ${name(r)} does not exist (${ranks} ranks were asked for)`);
      files.push(name(r));
    }
  } else {
    for (let r = 0; existsSync(name(r)); r++) files.push(name(r));
  }
  if (files.length === 0) {
    const dir = dirname(prefix);
    let hint = '';
    if (existsSync(dir) && statSync(dir).isDirectory()) {
      const near = readdirSafe(dir).filter((f) => f.endsWith('.et')).slice(0, 5);
      if (near.length > 0) hint = `; .et files in ${dir}: ${near.join(', ')}`;
    }
    throw new InputError(`--chakra: no file ${name(0)}: expected per-rank files <prefix>.<rank>.et${hint}`);
  }
  return { prefix, files };
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Reads and decodes one `.et` file, gunzipping it if it starts with the gzip magic. */
export function readChakraFile(path: string): ChakraFile {
  let buf: Uint8Array = readInputFile(path, 'Chakra ET');
  if (isGzip(buf)) buf = gunzipCapped(buf, path);
  return decodeChakra(buf, path);
}

/** Reads `<prefix>.<r>.et` for every rank and maps them to one trace. */
export function readChakraTrace(prefixArg: string, opts: ChakraImportOptions = {}): Trace {
  const { prefix, files } = chakraFiles(prefixArg, opts.ranks);
  const decoded = files.map((f) => readChakraFile(f));
  let commGroups: Record<string, unknown> | undefined;
  if (typeof opts.commGroups === 'string') {
    const path = opts.commGroups;
    if (!existsSync(path)) throw new InputError(`--comm-groups: ${path} does not exist`);
    const text = readInputFile(path, 'communicator groups', 'utf8');
    try {
      commGroups = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
    }
    commGroups = checkCommGroups(commGroups, path);
  } else if (opts.commGroups !== undefined) commGroups = checkCommGroups(opts.commGroups, 'commGroups');
  return chakraToTrace(decoded, { ...opts, commGroups }, { prefix, files });
}

function checkCommGroups(v: unknown, source: string): Record<string, number[]> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InputError(`${source}: expected an object { "1": [0, 1, …], … }, got ${kindOf(v)}`);
  }
  const out: Record<string, number[]> = {};
  for (const [k, ranks] of Object.entries(v)) {
    if (!/^\d+$/.test(k)) throw new InputError(`${source}: group id "${k}": expected a non-negative integer string`);
    if (!Array.isArray(ranks) || !ranks.every((x) => Number.isInteger(x) && x >= 0)) {
      throw new InputError(`${source}: group "${k}": expected an array of non-negative integer ranks`);
    }
    out[k] = ranks as number[];
  }
  return out;
}

import { mapRank, type Ctx } from './chakraNodes.ts';

export { dimPartition } from './chakraNodes.ts';

export function chakraToTrace(
  files: ChakraFile[],
  opts: ChakraImportOptions & { commGroups?: Record<string, unknown> },
  source: { prefix: string; files: string[] },
): Trace {
  const ranks = files.length;
  if (opts.dims !== undefined) {
    const prod = opts.dims.reduce((a, b) => a * b, 1);
    if (prod !== ranks) {
      throw new InputError(`--chakra ${source.prefix}: the topology has ${prod} NPUs (${opts.dims.join('×')}) but the trace has ${ranks} rank files`);
    }
  }
  const ctx: Ctx = {
    opts, ranks, groups: {}, warnings: [], counts: {},
    stats: {
      prefix: source.prefix, files: source.files, version: files[0]?.metadata.version ?? '', nodes: 0, byType: {},
      forwardDataDeps: 0, forwardCtrlDeps: 0, danglingDataDeps: 0, danglingCtrlDeps: 0, selfDeps: 0, hostCollectives: 0,
    },
  };
  const commGroups = opts.commGroups === undefined ? undefined : checkCommGroups(opts.commGroups, 'commGroups');
  const perRank: Op[][] = files.map((f, rank) => mapRank(f, rank, source.files[rank] ?? `rank ${rank}`, ctx, commGroups));

  // SPMD sharing: ranks whose op lists are identical share one program.
  const programs: Program[] = [];
  const byKey = new Map<string, Program>();
  perRank.forEach((ops, rank) => {
    const key = ranks === 1 ? '' : JSON.stringify(ops);
    const p = byKey.get(key);
    if (p) p.ranks.push(rank);
    else {
      const np: Program = { ranks: [rank], ops };
      byKey.set(key, np);
      programs.push(np);
    }
  });

  const s = ctx.stats;
  if (s.forwardDataDeps > 0) ctx.warnings.push(`${s.forwardDataDeps} data deps point to a later node in their file (resolved: the importer reads each file twice)`);
  if (s.forwardCtrlDeps > 0 && opts.ctrlDeps === 'astra') ctx.warnings.push(`${s.forwardCtrlDeps} ctrl deps point to a later node in their file (resolved)`);
  if (s.danglingDataDeps > 0) ctx.warnings.push(`${s.danglingDataDeps} data deps name node ids absent from their file: dropped (treated as satisfied)`);
  if (s.danglingCtrlDeps > 0) {
    ctx.warnings.push(
      opts.ctrlDeps === 'astra'
        ? `${s.danglingCtrlDeps} ctrl deps name node ids absent from their file: dropped (treated as satisfied)`
        : `${s.danglingCtrlDeps} ctrl deps (parent links, not dependencies in the default ctrlDeps 'parent' mode) name node ids absent from their file`,
    );
  }
  if (s.selfDeps > 0) ctx.warnings.push(`${s.selfDeps} nodes list themselves in their data or ctrl deps: ignored (such a node could never issue)`);
  const c = ctx.counts;
  if (c.hostColl) ctx.warnings.push(`${c.hostColl} COMM_COLL_NODEs have is_cpu_op set (host-side c10d calls, which ASTRA-sim rejects): imported as CPU compute of their recorded duration`);
  if (c.mem) ctx.warnings.push(`${c.mem} MEM_LOAD/MEM_STORE nodes imported as zero-time markers: Orrery has no remote-memory model (ASTRA-sim's NO_MEMORY_EXPANSION)`);
  if (c.other) ctx.warnings.push(`${c.other} nodes of types Orrery does not model (storage, batch, checkpoint or unknown) imported as zero-time markers`);
  if (c.cpuComm) ctx.warnings.push(`${c.cpuComm} send/recv nodes have is_cpu_op set (ASTRA-sim rejects these): imported as device communication`);
  if (c.noDims) ctx.warnings.push(`${c.noDims} collectives involve no network dimension (involved_dim all false for this topology): imported as zero-time markers`);
  if (c.dimsIgnored) ctx.warnings.push(`${c.dimsIgnored} collectives have both a pg_name group and a partial involved_dim mask: the group is used`);
  if (c.shortMask) ctx.warnings.push(`${c.shortMask} involved_dim masks are shorter than the topology's ${opts.dims?.length} dimensions: missing entries count as false`);

  return {
    format: 'orrery-trace',
    version: 1,
    units: { time: 'ns', size: 'B' },
    meta: {
      name: basename(source.prefix),
      source: `chakra:${source.prefix}`,
      chakra: { ...ctx.stats, metadata: metadataJson(files[0]) },
      warnings: ctx.warnings,
    },
    ranks,
    groups: ctx.groups,
    programs,
  };
}

function metadataJson(f: ChakraFile | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!f) return out;
  for (const a of f.metadata.attr) out[a.name] = attrJson(a);
  return out;
}

