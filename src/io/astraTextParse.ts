/**
 * ASTRA-sim 1.0 text workloads: the parser (header, layer lines, SimAI's labelled header and group suffixes). The
 * conversion to a trace, which replays ASTRA-sim's training loop, is astraText.ts; the format is FORMATS.md §1.1–1.2.
 */
import type { CollectiveOp } from '../collectives/types.ts';
import { InputError } from './errors.ts';

export type AstraPolicy =
  | 'DATA' | 'MODEL' | 'HYBRID_DATA_MODEL' | 'HYBRID_MODEL_DATA' | 'HYBRID_TRANSFORMER'
  | 'HYBRID_TRANSFORMER_FWD_IN_BCKWD' | 'HYBRID_DLRM' | 'HYBRID_DLRM_ENHANCED' | 'HYBRID_CUSTOMIZED' | 'MICRO'
  | 'DISTRIBUTED_INFERENCE';
export const ASTRA_POLICIES: readonly AstraPolicy[] = [
  'DATA', 'MODEL', 'HYBRID_DATA_MODEL', 'HYBRID_MODEL_DATA', 'HYBRID_TRANSFORMER', 'HYBRID_TRANSFORMER_FWD_IN_BCKWD',
  'HYBRID_DLRM', 'HYBRID_DLRM_ENHANCED', 'HYBRID_CUSTOMIZED', 'MICRO', 'DISTRIBUTED_INFERENCE',
];

export type Phase = 'fwd' | 'ig' | 'wg';
export type GroupKind = '' | 'EP' | 'DP_EP';

export interface Comm {
  op: CollectiveOp;
  bytes: number;
  suffix: GroupKind;
}

export interface Layer {
  name: string;
  line: number;
  compute: Record<Phase, number>;
  comm: Record<Phase, Comm | undefined>;
  update: number;
  policy: AstraPolicy;
}

export interface Header {
  policy: AstraPolicy;
  labels: Map<string, number>;
  checkpoints: number[];
  initiates: number[];
  dlrmLastBottom?: number;
}

const COMM_TOKENS: Record<string, CollectiveOp | null> = {
  NONE: null, ALLREDUCE: 'allreduce', ALLGATHER: 'allgather', REDUCESCATTER: 'reducescatter', ALLTOALL: 'alltoall',
};

const LABELS = new Set([
  'model_parallel_NPU_group:', 'ep:', 'pp:', 'vpp:', 'ga:', 'all_gpus:', 'pp_comm', 'pp_comm:', 'DLRM_LAST_BOTTOM_LAYER:',
]);

function parseHeader(tokens: string[], file: string): { header: Header; warnings: string[] } {
  const warnings: string[] = [];
  const kw = tokens[0] ?? '';
  if (!(ASTRA_POLICIES as readonly string[]).includes(kw)) {
    throw new InputError(`${file}: line 1: unknown parallelism "${kw}"; expected one of ${ASTRA_POLICIES.join(', ')}`);
  }
  const header: Header = { policy: kw as AstraPolicy, labels: new Map(), checkpoints: [], initiates: [] };
  const int = (i: number, label: string): number => {
    const t = tokens[i];
    if (t === undefined || !/^-?\d+$/.test(t)) throw new InputError(`${file}: line 1: "${label}" must be followed by an integer, got ${t === undefined ? 'nothing' : `"${t}"`}`);
    return Number(t);
  };
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === 'checkpoints:' || t === 'checkpoint_initiates:') {
      const k = int(i + 1, t);
      const list: number[] = [];
      for (let j = 0; j < k; j++) list.push(int(i + 2 + j, t));
      if (t === 'checkpoints:') header.checkpoints = list;
      else header.initiates = list;
      i += 1 + k;
    } else if (LABELS.has(t)) {
      header.labels.set(t.replace(/:$/, ''), int(i + 1, t));
      i++;
    } else if (/^\d+$/.test(t) && i === 1 && (kw === 'HYBRID_DLRM' || kw === 'HYBRID_DLRM_ENHANCED')) {
      header.dlrmLastBottom = Number(t); // 1.0's positional form: HYBRID_DLRM 4
    } else if (/:$/.test(t) && /^-?\d+$/.test(tokens[i + 1] ?? '')) {
      warnings.push(`line 1: unknown header label "${t}" ignored`);
      i++;
    } else {
      warnings.push(`line 1: unexpected header token "${t}" ignored`);
    }
  }
  const lb = header.labels.get('DLRM_LAST_BOTTOM_LAYER');
  if (lb !== undefined) header.dlrmLastBottom = lb;
  return { header, warnings };
}

const COLUMNS = [
  'name', 'reserved', 'fwd compute', 'fwd comm type', 'fwd comm size', 'ig compute', 'ig comm type', 'ig comm size',
  'wg compute', 'wg comm type', 'wg comm size', 'update time', 'policy',
];

/** Parses the text; throws InputError naming the line and column of anything malformed. */
export function parseAstraText(text: string, file: string): { header: Header; layers: Layer[]; warnings: string[]; simaiSuffixes: boolean } {
  const lines = text.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && lines[first]!.trim() === '') first++;
  if (first === lines.length) throw new InputError(`${file}: empty file: expected a parallelism keyword on line 1`);
  const { header, warnings } = parseHeader(lines[first]!.trim().split(/\s+/), file);
  // The rest is a token stream (ASTRA-sim reads it with >>, so line breaks do not matter); keep line numbers.
  const toks: { t: string; line: number }[] = [];
  for (let i = first + 1; i < lines.length; i++) for (const t of lines[i]!.trim().split(/\s+/)) if (t !== '') toks.push({ t, line: i + 1 });
  const nTok = toks[0];
  if (nTok === undefined || !/^\d+$/.test(nTok.t)) {
    throw new InputError(`${file}: line ${nTok?.line ?? first + 2}: expected the number of layers, got ${nTok ? `"${nTok.t}"` : 'end of file'}`);
  }
  const n = Number(nTok.t);
  const width = header.policy === 'HYBRID_CUSTOMIZED' ? 13 : 12;
  const layers: Layer[] = [];
  let simaiSuffixes = false;
  let k = 1;
  for (let i = 0; i < n; i++) {
    const cols = toks.slice(k, k + width);
    if (cols.length < width) {
      throw new InputError(`${file}: layer ${i + 1} of ${n} (line ${cols[0]?.line ?? toks[toks.length - 1]?.line ?? first + 2}): expected ${width} columns, found ${cols.length} before the end of the file`);
    }
    k += width;
    const at = (c: number): { t: string; line: number } => cols[c]!;
    const num = (c: number): number => {
      const { t, line } = at(c);
      if (!/^\d+$/.test(t)) throw new InputError(`${file}: line ${line}: layer "${at(0).t}": column ${c + 1} (${COLUMNS[c]}) must be a non-negative integer, got "${t}"`);
      return Number(t);
    };
    if (!/^-?\d+$/.test(at(1).t)) throw new InputError(`${file}: line ${at(1).line}: layer "${at(0).t}": column 2 (reserved) must be an integer, got "${at(1).t}"`);
    const comm = (c: number): Comm | undefined => {
      const { t, line } = at(c);
      const m = /^([A-Z]+?)(_EP|_DP_EP)?$/.exec(t);
      const base = m?.[1] ?? t;
      if (base === 'ALLREDUCEALLTOALL') {
        throw new InputError(`${file}: line ${line}: layer "${at(0).t}": ${COLUMNS[c]} ALLREDUCEALLTOALL is not supported (ASTRA-sim 1.0's Layer has no implementation of it either)`);
      }
      if (!m || !(base in COMM_TOKENS)) {
        throw new InputError(`${file}: line ${line}: layer "${at(0).t}": column ${c + 1} (${COLUMNS[c]}) is "${t}"; expected NONE, ALLREDUCE, ALLGATHER, REDUCESCATTER or ALLTOALL, optionally with SimAI's _EP or _DP_EP suffix`);
      }
      const suffix = (m[2]?.slice(1) ?? '') as GroupKind;
      if (suffix !== '') simaiSuffixes = true;
      const op = COMM_TOKENS[base];
      const bytes = num(c + 1);
      return op ? { op, bytes, suffix } : undefined;
    };
    let policy = header.policy;
    if (width === 13) {
      const { t, line } = at(12);
      const ok: AstraPolicy[] = ['DATA', 'MODEL', 'HYBRID_DATA_MODEL', 'HYBRID_MODEL_DATA', 'MICRO', 'HYBRID_DLRM', 'HYBRID_DLRM_ENHANCED', 'DISTRIBUTED_INFERENCE'];
      if (!(ok as string[]).includes(t)) {
        throw new InputError(`${file}: line ${line}: layer "${at(0).t}": per-layer policy "${t}"; expected one of ${ok.join(', ')} (HYBRID_CUSTOMIZED gives no TP size for HYBRID_TRANSFORMER)`);
      }
      policy = t as AstraPolicy;
    }
    layers.push({
      name: at(0).t,
      line: at(0).line,
      compute: { fwd: num(2), ig: num(5), wg: num(8) },
      comm: { fwd: comm(3), ig: comm(6), wg: comm(9) },
      update: num(11),
      policy,
    });
  }
  if (k < toks.length) warnings.push(`line ${toks[k]!.line}: ${toks.length - k} tokens after the ${n} layers ignored (as ASTRA-sim does)`);
  return { header, layers, warnings, simaiSuffixes };
}
