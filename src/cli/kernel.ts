/** `orrery kernel`: predict one kernel's time, or a CSV of kernels, with a compute model. */
import type { Command } from 'commander';
import { InputError } from '../api/vocabulary.ts';
import { PRECISIONS as COMPUTE_PRECISIONS, KERNEL_TYPES, deviceNames } from '../api/vocabulary-workload.ts';
import { computeModelNames } from '../api/compute.ts';
import { kernelFromFields, kernelWarnings, KERNEL_RESULT_COLUMNS, predictKernel, predictKernelCsv, type KernelResult } from '../api/kernel.ts';
import { choiceOpt, intOpt } from './options.ts';
import { formatTime } from './format.ts';

interface KernelCliOptions {
  m?: number; n?: number; k?: number; elements?: number; batchSize?: number; heads?: number; kvHeads?: number; seqQ?: number; seqKv?: number;
  seq?: number; headDim?: number; flash?: boolean; causal?: boolean; backward?: boolean;
  device?: string; precision?: string; compute?: string; batch?: string; json?: boolean; table?: string[];
}

function csvLine(r: KernelResult): string {
  return KERNEL_RESULT_COLUMNS.map((c) => String(r[c])).join(',');
}

export function registerKernel(program: Command): void {
  program
    .command('kernel [kind]')
    .summary('predict one kernel\'s time (GEMM, attention, memory-bound) on a device, or a CSV of them')
    .description(
      `Predicts a kernel's time with a compute model. Kinds: ${KERNEL_TYPES.join(', ')}.\n` +
        'matmul takes --m --n --k [--batch-size]; attention --batch-size --heads [--kv-heads] --seq (or --seq-q, --seq-kv) --head-dim\n' +
        '[--flash] [--causal]; the memory-bound kinds --elements. --backward predicts the gradient kernel.\n' +
        'Many at once: --batch specs.csv with a header kind,m,n,k,elements,device,precision (blank where a field does not apply;\n' +
        'also batch,heads,kvHeads,seqQ,seqKv,headDim,flash,causal,backward,compute); one result per row, in order.\n\n' +
        'Examples:\n' +
        '  orrery kernel matmul --m 4096 --n 10240 --k 8192 --device a100 --precision fp16 --json\n' +
        '  orrery kernel layernorm --elements 33554432 --device h100 --precision bf16 --json\n' +
        '  orrery kernel --batch specs.csv --json',
    )
    .option('--m <n>', 'GEMM rows (tokens)', intOpt('--m', 1))
    .option('--n <n>', 'GEMM columns', intOpt('--n', 1))
    .option('--k <n>', 'GEMM inner dimension', intOpt('--k', 1))
    .option('--elements <n>', 'elements of a memory-bound kernel\'s output', intOpt('--elements', 1))
    .option('--batch-size <n>', 'batched GEMMs / attention batch', intOpt('--batch-size', 1))
    .option('--heads <n>', 'attention query heads', intOpt('--heads', 1))
    .option('--kv-heads <n>', 'attention K/V heads (default: heads)', intOpt('--kv-heads', 1))
    .option('--seq <n>', 'attention sequence length (query and key)', intOpt('--seq', 1))
    .option('--seq-q <n>', 'attention query length', intOpt('--seq-q', 1))
    .option('--seq-kv <n>', 'attention key/value length', intOpt('--seq-kv', 1))
    .option('--head-dim <n>', 'attention head dimension', intOpt('--head-dim', 1))
    .option('--flash', 'FlashAttention (fused, IO-aware); without it, unfused attention')
    .option('--causal', 'causal mask')
    .option('--backward', 'the gradient kernel')
    .option('--device <name>', `device preset: ${deviceNames().join(', ')} (or a100, h100, a40)`)
    .option('--precision <p>', `precision: ${COMPUTE_PRECISIONS.join(', ')} (default bf16)`, choiceOpt('--precision', COMPUTE_PRECISIONS))
    .option('--compute <model>', `compute model: ${computeModelNames().join(', ')} (default kernel)`, choiceOpt('--compute', computeModelNames()))
    .option('--table <files...>', 'Orrery measured-kernel CSVs for --compute table (kind, kernel fields, device, precision, timeNs)')
    .option('--batch <file>', 'a CSV of kernels to predict (see above)')
    .option('--json', 'JSON (one object; with --batch, JSON lines)')
    .action((kind: string | undefined, o: KernelCliOptions) => {
      if (o.batch !== undefined) {
        if (kind !== undefined) throw new InputError(`give a kernel kind or --batch ${o.batch}, not both`);
        const rows = predictKernelCsv(o.batch, {
          ...(o.compute ? { compute: o.compute } : {}), ...(o.precision ? { precision: o.precision as never } : {}), ...(o.table ? { tables: o.table } : {}),
        });
        for (const w of kernelWarnings()) console.error(`orrery: warning: ${w}`);
        if (o.json) for (const r of rows) console.log(JSON.stringify(r));
        else {
          console.log(KERNEL_RESULT_COLUMNS.join(','));
          for (const r of rows) console.log(csvLine(r));
        }
        return;
      }
      if (kind === undefined) throw new InputError(`give a kernel kind (${KERNEL_TYPES.join(', ')}) or --batch FILE`);
      if (o.device === undefined) throw new InputError(`--device is required: ${deviceNames().join(', ')} (or a100, h100, a40)`);
      const fields = {
        m: o.m, n: o.n, k: o.k, elements: o.elements, batch: o.batchSize, heads: o.heads, kvHeads: o.kvHeads,
        seqQ: o.seqQ ?? o.seq, seqKv: o.seqKv ?? o.seq, headDim: o.headDim,
        flash: kind === 'attention' ? o.flash === true : o.flash, causal: o.causal, backward: o.backward,
      };
      const r = predictKernel({
        kernel: kernelFromFields(kind, fields, 'orrery kernel'), device: o.device, precision: (o.precision ?? 'bf16') as never,
        ...(o.compute ? { compute: o.compute } : {}), ...(o.table ? { tables: o.table } : {}),
      }, 'orrery kernel');
      for (const w of kernelWarnings()) console.error(`orrery: warning: ${w}`);
      if (o.json) console.log(JSON.stringify(r, null, 2));
      else {
        console.log(`${r.kind} on ${r.device}, ${r.precision}, model ${r.model}: ${formatTime(r.timeNs)}, ${r.bound}-bound`);
        console.log(`  ${r.flops.toExponential(3)} FLOPs, ${r.bytes.toExponential(3)} bytes, ${r.achievedTFLOPS} TFLOP/s achieved`);
      }
    });
}
