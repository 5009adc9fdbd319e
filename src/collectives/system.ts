/**
 * The collectives runtime ("system layer"): runs planned collectives as messages through a network model.
 *
 * A collective is split into chunks; each chunk walks the plan's phases in order on every member rank. A rank has
 * one queue per dimension; a phase on dimension d runs in queue d, and a queue runs at most `activeChunksPerDim`
 * chunks at once. A chunk entering a full queue waits behind the chunks already waiting (a later collective goes
 * ahead of an earlier one's chunks under LIFO). Inside a phase, an algorithm (algorithms/*.ts) exchanges messages
 * between the members of a line. Every received message costs the receiver `endpointDelayNs`, plus 3·m/L on a
 * reducing step, before the algorithm sees it; a phase that opens with a send pays `endpointDelayNs` first.
 * There is no other delay between phases or chunks. (These are ASTRA-sim 2.0's system-layer rules, with its
 * knobs; `flavor: 'astra'` adds its integer arithmetic.)
 *
 * Ranks progress independently: a member that joins late (trace replay issues a collective on each rank at its own
 * time) finds early messages buffered, and ranks can finish at different times (double binary tree).
 *
 * Events: network arrivals come to `hArrive` as (run, member, round); processing delays end at `hProcessed` with
 * the same payload; phase-start delays end at `hStart` as (run, member). Phase runs live in `runs`, indexed by id,
 * recycled when their collective ends.
 */
import { RANGES, rangeProblem, type NumericRange } from '../units/index.ts';
import type { Engine, EventHandler } from '../engine/index.ts';
import type { NetworkModel } from '../network/model.ts';
import type { Topology } from '../network/topology.ts';
import { checkAlgorithm, createPhaseRun } from './algorithms/registry.ts';
import { DeliveryBatches } from './coalesce.ts';
import type { PhaseRun } from './algorithms/base.ts';
import { planCollective, type CollectivePlan } from './plan.ts';
import {
  CollectiveError, DEFAULT_SYSTEM, type AlgorithmSpec, type CollectiveOp, type SystemOptions,
} from './types.ts';

export interface CollectiveRequest {
  op: CollectiveOp;
  /** Bytes per rank (all-gather: each rank's input). */
  bytes: number;
  /** Global NPU ids; default: every NPU. */
  group?: readonly number[];
  root?: number;
  /** One algorithm for every dimension, or one per dimension. */
  algorithms: readonly AlgorithmSpec[];
  /** Overrides of the system's options for this collective. */
  options?: Partial<SystemOptions>;
  /** Free text for reports. */
  label?: string;
}

/** Told when each member finishes and when the whole collective does. */
export interface CollectiveListener {
  onRankDone?(c: Collective, member: number, timeNs: number): void;
  onDone?(c: Collective, timeNs: number): void;
}

/**
 * A prepared collective: request, plan, options and chunking worked out once, for any number of instances (trace
 * replay runs hundreds of thousands of instances of a few shapes). Finished instances of a pooled template are
 * kept and reset for later ones instead of being allocated again (see {@link CollectiveSystem.instantiate}).
 */
export interface CollectiveTemplate {
  readonly request: CollectiveRequest & { group: readonly number[] };
  readonly plan: CollectivePlan;
  readonly options: SystemOptions;
  readonly chunks: number;
  readonly chunkBytes: number;
  /** Bytes entering each phase of a chunk. */
  readonly phaseBytes: readonly number[];
  /** Whether finished instances are kept for reuse. */
  readonly pooled: boolean;
  /** Instances made so far (a template used once keeps nothing). */
  uses: number;
  /** Per-member state cells of one instance (members × (runs + 1)), for the pool's budget. */
  readonly slots: number;
  /**
   * Finished instances kept for reuse. One that finished at the current instant may still be on the call stack
   * (its onDone ran inside the event being dispatched): it is reusable once the engine has moved past its endNs.
   */
  pool: Collective[];
}

/** One collective in flight: its plan, members and progress. */
export class Collective {
  readonly members: Int32Array;
  /** Per member: chunks finished. */
  readonly chunksDone: Int32Array;
  /** Per member: time it joined and finished (-1 before). */
  readonly joinedAt: Float64Array;
  readonly doneAt: Float64Array;
  /**
   * Per chunk × member: where the chunk is, for stall reports: -1 not issued, 2i waiting in phase i's queue, 2i+1
   * running phase i, 2·phases done.
   */
  readonly progress: Int32Array;
  /** Phase runs, [chunk][phase]. */
  readonly runs: PhaseRun[][] = [];
  membersDone = 0;
  startNs = -1;
  endNs = -1;

  constructor(
    /** Collective id (order of creation); a pooled object gets a new one for each instance it serves. */
    public id: number,
    readonly request: CollectiveRequest & { group: readonly number[] },
    readonly plan: CollectivePlan,
    readonly options: SystemOptions,
    /** Chunks (streams) and the bytes each carries into the first phase. */
    readonly chunks: number,
    readonly chunkBytes: number,
    /** Queue priority: a higher value is admitted first. */
    public priority: number,
    public listener: CollectiveListener | undefined,
    readonly template: CollectiveTemplate,
  ) {
    this.members = Int32Array.from(request.group);
    const G = this.members.length;
    this.chunksDone = new Int32Array(G);
    this.joinedAt = new Float64Array(G).fill(-1);
    this.doneAt = new Float64Array(G).fill(-1);
    this.progress = new Int32Array(chunks * G).fill(-1);
  }

  get size(): number {
    return this.members.length;
  }

  /** Makes a finished collective a fresh instance (its phase runs are reset separately, in creation order). */
  reuse(id: number, priority: number, listener: CollectiveListener | undefined): void {
    this.id = id;
    this.priority = priority;
    this.listener = listener;
    // loops, not fill(): these arrays are a group's size, and fill() costs a builtin call each (~4 times a loop here)
    const chunksDone = this.chunksDone, joinedAt = this.joinedAt, doneAt = this.doneAt, progress = this.progress;
    for (let m = 0; m < chunksDone.length; m++) {
      chunksDone[m] = 0;
      joinedAt[m] = -1;
      doneAt[m] = -1;
    }
    for (let k = 0; k < progress.length; k++) progress[k] = -1;
    this.membersDone = 0;
    this.startNs = -1;
    this.endNs = -1;
  }
}

export interface SystemSetup {
  /**
   * The system owns its engine: nothing else schedules events on it, and no event is cancelled (runCollective). On
   * a network with `arrivalAt` (astra-unaware), messages due back to back at one time then travel as one event
   * (coalesce.ts): the same results, fewer engine events.
   */
  ownsEngine?: boolean;
}

/** At most this many per-member state cells (about 50 bytes each) are kept in finished instances for reuse. */
const POOL_SLOTS = 2 ** 20;

export class CollectiveSystem implements EventHandler {
  readonly options: SystemOptions;
  /** Handler ids registered on the engine. */
  readonly hArrive: number;
  readonly hProcessed: number;
  readonly hStart: number;
  /** Coalesced deliveries (coalesce.ts), when the system owns the engine and the network allows it. */
  readonly batches: DeliveryBatches | undefined;
  readonly engine: Engine;
  readonly network: NetworkModel;
  readonly topology: Topology;
  private readonly runs: (PhaseRun | undefined)[] = [];
  /** Plans by (op, root, composition, algorithms, group). */
  private readonly plans = new Map<string, CollectivePlan>();
  private readonly freeRunIds: number[] = [];
  private nextCollectiveId = 0;
  /** Per-member state cells held by finished instances kept for reuse (bounded by POOL_SLOTS). */
  private pooledSlots = 0;
  private priorityCounter = 0;
  /**
   * Per rank × queue: chunks running, and chunks waiting as [priority, run id, member] triples from index
   * waitHead[q] on (admitted triples are skipped, not spliced out, and the list is emptied when all are).
   */
  private readonly running: Int32Array;
  private readonly waiting: (number[] | undefined)[];
  private readonly waitHead: Int32Array;
  private readonly queuesPerRank: number;
  private readonly world: readonly number[];
  /** Flavor astra: per collective type, per rank × queue, double-binary-tree phases created so far. */
  private readonly treeCounters = new Map<CollectiveOp, Int32Array>();

  constructor(engine: Engine, network: NetworkModel, options: Partial<SystemOptions> = {}, setup: SystemSetup = {}) {
    this.engine = engine;
    this.network = network;
    this.topology = network.topology;
    this.options = checkOptions({ ...DEFAULT_SYSTEM, ...options });
    this.queuesPerRank = this.topology.dims.length + 1;
    this.running = new Int32Array(this.topology.npus * this.queuesPerRank);
    this.waiting = new Array(this.topology.npus * this.queuesPerRank);
    this.waitHead = new Int32Array(this.topology.npus * this.queuesPerRank);
    this.world = Array.from({ length: this.topology.npus }, (_, i) => i);
    this.hArrive = engine.register(this);
    // every handler counts its events for the coalescer's check (coalesce.ts)
    this.hProcessed = engine.register({ onEvent: (a, b, c) => { this.counted(); this.runs[a]!.processed(b, c); } });
    this.hStart = engine.register({ onEvent: (a, b) => { this.counted(); this.runs[a]!.start(b); } });
    this.batches = setup.ownsEngine && network.arrivalAt !== undefined ? new DeliveryBatches(engine, this.runs) : undefined;
  }

  private counted(): void {
    if (this.batches !== undefined) this.batches.pops++;
  }

  /** Plans a collective and registers it; members join with {@link join} (or all at once with {@link start}). */
  create(request: CollectiveRequest, listener?: CollectiveListener): Collective {
    return this.instantiate(this.prepare(request, false), listener);
  }

  /**
   * Checks and plans a collective once for many instances ({@link instantiate}). With `pooled`, finished instances
   * are reset and reused by later ones: whoever holds an instance must let go of it when its `onDone` has run.
   */
  prepare(request: CollectiveRequest, pooled = true): CollectiveTemplate {
    const options = request.options ? checkOptions({ ...this.options, ...request.options }) : this.options;
    if (!(Number.isFinite(request.bytes) && request.bytes >= 0)) {
      throw new CollectiveError(`collective size must be a non-negative number of bytes, got ${request.bytes}`);
    }
    const group = Array.from(request.group ?? this.world);
    // plans depend only on these and are never modified: trace replay creates thousands of instances of a few
    const key = `${request.op}|${request.root ?? ''}|${options.composition}|${options.flavor}|${request.algorithms.map((a) => `${a.flat ? 'one:' : ''}${a.name}${a.window ?? ''}`).join(',')}|${request.group ? group.join(',') : '*'}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = planCollective(this.topology, {
        op: request.op,
        group,
        algorithms: request.algorithms,
        composition: options.composition,
        ...(request.root !== undefined ? { root: request.root } : {}),
      });
      for (const phase of plan.phases) {
        const where = phase.dim >= 0 ? `in dimension ${phase.dim}` : 'on this group';
        const composed = phase.op !== request.op && request.op !== 'barrier'
          ? ` (the ${options.composition} ${request.op} runs a ${phase.op} there; --composition baseline runs a full ${request.op} per dimension)`
          : '';
        checkAlgorithm(phase.algorithm, phase.op, phase.size, where + composed, options.flavor);
      }
      this.plans.set(key, plan);
    }
    const bytes = request.op === 'barrier' ? 0 : request.bytes;
    const { chunks, chunkBytes } = this.chunking(request.op, bytes, options);
    return {
      request: { ...request, bytes, group }, plan, options, chunks, chunkBytes,
      phaseBytes: this.phaseBytes(plan, chunkBytes, options), pooled, uses: 0,
      slots: group.length * (chunks * plan.phases.length + 1), pool: [],
    };
  }

  /**
   * A collective id that no instance of this system will take: for collectives a caller completes by other means
   * (the replay's NCCL-timed ones), so ids stay unique across a run's records.
   */
  reserveId(): number {
    return this.nextCollectiveId++;
  }

  /** A new instance of a prepared collective: a finished one of the same template reset, or a new one. */
  instantiate(t: CollectiveTemplate, listener?: CollectiveListener): Collective {
    const priority = t.options.scheduling === 'LIFO' ? this.priorityCounter++ : this.priorityCounter--;
    t.uses++;
    const reused = this.reusable(t);
    if (reused) {
      this.pooledSlots -= t.slots;
      reused.reuse(this.nextCollectiveId++, priority, listener);
      for (const row of reused.runs) for (const run of row) run.reset();
      return reused;
    }
    const c = new Collective(this.nextCollectiveId++, t.request, t.plan, t.options, t.chunks, t.chunkBytes, priority, listener, t);
    for (let k = 0; k < t.chunks; k++) {
      const row: PhaseRun[] = [];
      t.plan.phases.forEach((phase, i) => {
        const id = this.freeRunIds.length > 0 ? this.freeRunIds.pop()! : this.runs.length;
        const run = createPhaseRun(this, id, c, k, i, phase, t.phaseBytes[i]!);
        this.runs[id] = run;
        row.push(run);
      });
      c.runs.push(row);
    }
    return c;
  }

  /** Creates a collective and has every member join now. */
  start(request: CollectiveRequest, listener?: CollectiveListener): Collective {
    const c = this.create(request, listener);
    for (let m = 0; m < c.size; m++) this.join(c, m);
    return c;
  }

  /** Member `m` (index into the group) issues collective `c` now. */
  join(c: Collective, m: number): void {
    if (c.joinedAt[m]! >= 0) throw new CollectiveError(`rank ${c.members[m]} joined collective ${c.id} twice`);
    c.joinedAt[m] = this.engine.now;
    if (c.startNs < 0) c.startNs = this.engine.now;
    if (c.plan.phases.length === 0 || c.chunks === 0) {
      this.memberDone(c, m);
      return;
    }
    for (const row of c.runs) {
      const q = this.add(row[0]!, m);
      if (q >= 0) this.admit(q);
    }
  }

  /** Takes a pooled instance of t that finished before now (see CollectiveTemplate.pool), if any. */
  private reusable(t: CollectiveTemplate): Collective | undefined {
    const pool = t.pool, now = this.engine.now;
    let k = pool.length - 1;
    while (k >= 0 && pool[k]!.endNs >= now) k--; // finished at this instant: maybe still in use
    if (k < 0) return undefined;
    const c = pool[k]!;
    pool[k] = pool[pool.length - 1]!;
    pool.pop();
    return c;
  }

  /**
   * Which of the two double binary trees (0 or 1) a new phase run of collective c uses, ASTRA-sim's way: each rank
   * keeps a counter per collective type and dimension, advanced by every double-binary-tree phase it creates there
   * (so with an odd chunk count the next collective starts on the other tree). A run follows the counter of the
   * group's first member; every member's counter advances. Runs must be created in chunk order, phases in order.
   */
  treeParity(c: Collective, queue: number): number {
    let counters = this.treeCounters.get(c.request.op);
    if (!counters) {
      counters = new Int32Array(this.topology.npus * this.queuesPerRank);
      this.treeCounters.set(c.request.op, counters);
    }
    const qpr = this.queuesPerRank;
    const parity = counters[c.members[0]! * qpr + queue]! & 1;
    for (let m = 0; m < c.members.length; m++) counters[c.members[m]! * qpr + queue]!++;
    return parity;
  }

  /** Network arrival: (run, member, round). */
  onEvent(a: number, b: number, c: number): void {
    this.counted();
    this.runs[a]!.arrive(b, c);
  }

  /** Called by a phase run when member m has finished it. */
  phaseDone(run: PhaseRun, m: number): void {
    const c = run.collective;
    const next = c.runs[run.chunk]![run.phaseIndex + 1];
    const rank = c.members[m]!;
    // ASTRA-sim's order: the chunk joins its next queue, the freed slot is refilled, then the next queue admits
    const q = next ? this.add(next, m) : -1;
    if (!next) this.chunkDone(c, m, run.chunk);
    const prev = rank * this.queuesPerRank + run.phase.queue;
    this.running[prev]!--;
    this.admit(prev);
    if (q >= 0 && q !== prev) this.admit(q);
  }

  /**
   * Chunks and the bytes of each. Native: k chunks of S/k. ASTRA-sim: ⌊S/k⌋, raised to the NPU count except for
   * all-gather, and as many chunks of that size as it takes to cover S (`Sys::generate_collective`).
   */
  private chunking(op: CollectiveOp, bytes: number, o: SystemOptions): { chunks: number; chunkBytes: number } {
    const k = o.chunks;
    if (o.flavor === 'native' || bytes === 0) return { chunks: k, chunkBytes: bytes / k };
    let size = bytes;
    let chunk = Math.floor(size / k);
    if (op !== 'allgather' && this.topology.npus > chunk) {
      chunk = this.topology.npus;
      size = k * chunk;
    }
    if (chunk === 0) throw new CollectiveError(`all-gather of ${bytes} B split into ${k} chunks leaves 0 bytes per chunk`);
    return { chunks: Math.ceil(size / chunk), chunkBytes: chunk };
  }

  /** Bytes entering each phase, chained: a reduce-scatter leaves 1/p, an all-gather multiplies by p. */
  private phaseBytes(plan: CollectivePlan, chunkBytes: number, o: SystemOptions): number[] {
    if (o.flavor === 'native') return plan.phases.map((p) => chunkBytes * p.scale);
    const out: number[] = [];
    let d = chunkBytes;
    for (const p of plan.phases) {
      out.push(d);
      if (p.algorithm.name === 'doubleBinaryTree') continue; // ASTRA-sim's DBT always all-reduces the whole chunk
      if (p.op === 'reducescatter') d = Math.floor(d / p.size);
      else if (p.op === 'allgather') d = d * p.size;
    }
    return out;
  }

  /**
   * Puts member m's chunk in the queue of `run`'s phase, behind every waiting chunk of equal or higher priority,
   * and returns the queue index; a member that sits the phase out (a broadcast/reduce line without data) moves on
   * to the next phase at once.
   */
  private add(run: PhaseRun, m: number): number {
    const c = run.collective;
    if (run.phase.lineOf[m]! < 0) {
      const next = c.runs[run.chunk]![run.phaseIndex + 1];
      if (next) return this.add(next, m);
      this.chunkDone(c, m, run.chunk);
      return -1;
    }
    const q = c.members[m]! * this.queuesPerRank + run.phase.queue;
    c.progress[run.chunk * c.size + m] = 2 * run.phaseIndex;
    const list = this.waiting[q] ?? (this.waiting[q] = []);
    const head = this.waitHead[q]!;
    let i = list.length;
    while (i > head && list[i - 3]! < c.priority) i -= 3;
    if (i === list.length) list.push(c.priority, run.id, m);
    else list.splice(i, 0, c.priority, run.id, m);
    return q;
  }

  /** Starts waiting chunks of queue q, in order, while it has room. */
  private admit(q: number): void {
    const w = this.waiting[q];
    if (!w) return;
    while (this.waitHead[q]! < w.length) {
      const k = this.waitHead[q]!;
      const run = this.runs[w[k + 1]!]!;
      if (this.running[q]! >= run.collective.options.activeChunksPerDim) break;
      this.running[q]!++;
      const m = w[k + 2]!;
      // taken off before begin(): a phase that ends at once re-enters admit(q)
      if (k + 3 === w.length) {
        for (let n = w.length; n > 0; n--) w.pop(); // (assigning length is a runtime call)
        this.waitHead[q] = 0;
      } else if (k >= 96 && 2 * k >= w.length) {
        w.splice(0, k + 3); // a queue that never empties: drop the admitted prefix now and then (amortized O(1))
        this.waitHead[q] = 0;
      } else this.waitHead[q] = k + 3;
      run.collective.progress[run.chunk * run.collective.size + m]!++;
      this.begin(run, m);
    }
  }

  /** Starts member m's phase, after the endpoint delay if the phase opens with a send. */
  private begin(run: PhaseRun, m: number): void {
    const e = run.collective.options.endpointDelayNs;
    if (e > 0 && run.opensWithSend(m)) this.engine.schedule(e, this.hStart, run.id, m);
    else run.start(m);
  }

  private chunkDone(c: Collective, m: number, chunk: number): void {
    c.progress[chunk * c.size + m] = 2 * c.plan.phases.length;
    if (++c.chunksDone[m]! === c.chunks) this.memberDone(c, m);
  }

  private memberDone(c: Collective, m: number): void {
    const now = this.engine.now;
    c.doneAt[m] = now;
    c.listener?.onRankDone?.(c, m, now);
    if (++c.membersDone === c.size) {
      c.endNs = now;
      const t = c.template;
      const keep = t.pooled && t.uses > 1 && this.pooledSlots + t.slots <= POOL_SLOTS;
      if (!keep) for (const row of c.runs) for (const run of row) { this.runs[run.id] = undefined; this.freeRunIds.push(run.id); }
      c.listener?.onDone?.(c, now);
      if (keep) {
        // kept for a later instance of the template, with its phase runs and their ids (see instantiate)
        this.pooledSlots += t.slots;
        t.pool.push(c);
      }
    }
  }
}

/**
 * Where an unfinished collective is stuck, for error messages: for up to `max` unfinished members, each unfinished
 * chunk's phase and whether it runs or waits for its queue.
 */
export function describeStall(c: Collective, max = 3): string {
  const out: string[] = [];
  const phases = c.plan.phases;
  for (let m = 0; m < c.size && out.length < max; m++) {
    if (c.doneAt[m]! >= 0) continue;
    const parts: string[] = [];
    for (let k = 0; k < c.chunks; k++) {
      const p = c.progress[k * c.size + m]!;
      if (p < 0) { parts.push(`chunk ${k} not issued`); continue; }
      const i = p >> 1;
      if (i >= phases.length) continue;
      const ph = phases[i]!;
      parts.push(`chunk ${k} ${ph.op}${ph.dim >= 0 ? ` in dim ${ph.dim}` : ''} ${p & 1 ? 'running' : 'queued'}`);
    }
    out.push(`rank ${c.members[m]}: ${parts.join(', ')}`);
  }
  return out.join('; ');
}

/** Validates system options; errors name the knob and what was expected. */
export function checkOptions(o: SystemOptions): SystemOptions {
  const int = (v: number, name: string, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new CollectiveError(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int(o.chunks, 'chunks', 1);
  if (o.activeChunksPerDim !== Infinity) int(o.activeChunksPerDim, 'active chunks per dimension', 1);
  int(o.endpointDelayNs, 'endpoint delay (ns)', 0);
  const range = (v: number, r: NumericRange, name: string) => {
    const p = rangeProblem(v, r);
    if (p !== undefined) throw new CollectiveError(`${name} ${p}`);
  };
  range(o.endpointDelayNs, RANGES.delayNs, 'endpoint delay');
  // Infinity means free (no --local-mem-bw)
  if (o.localMemBwGBps !== Infinity) range(o.localMemBwGBps, RANGES.bandwidthGBps, 'local memory bandwidth');
  if (o.scheduling !== 'FIFO' && o.scheduling !== 'LIFO') throw new CollectiveError(`scheduling must be FIFO or LIFO, got ${String(o.scheduling)}`);
  if (o.composition !== 'baseline' && o.composition !== 'localBWAware') {
    throw new CollectiveError(`composition must be baseline or localBWAware, got ${String(o.composition)}`);
  }
  if (o.flavor !== 'native' && o.flavor !== 'astra') throw new CollectiveError(`flavor must be native or astra, got ${String(o.flavor)}`);
  return o;
}
