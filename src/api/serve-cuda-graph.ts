/**
 * `--cuda-graph-padding`: which decode-only batch sizes a replica has CUDA graphs for, padding a decode-only
 * step up to the next one (serving/cuda-graph.ts). `off` (the default): every step runs at its own batch size.
 * `trtllm`: the list trtllm-bench's published runs capture (perf-overview.md's `llm_options.yml`: 1, 2, 4, …, 256,
 * 384, 512, 1024, …, 8192). Or a comma-separated list of sizes. Either list is then filtered as TensorRT-LLM
 * filters it against the engine's max batch size and max tokens (`capturedBatchSizes`).
 */
import { InputError } from '../io/index.ts';
import { capturedBatchSizes, TRTLLM_BENCH_CUDA_GRAPH_SIZES, ServingError } from '../serving/index.ts';

export const CUDA_GRAPH_PADDING_DEFAULT = 'off';

/** The captured sizes for `--cuda-graph-padding TEXT` (undefined: no padding). */
export function cudaGraphSizes(text: string | undefined, maxBatchSize: number, maxNumTokens: number): number[] | undefined {
  const t = (text ?? CUDA_GRAPH_PADDING_DEFAULT).trim();
  if (t === 'off') return undefined;
  let configured: number[];
  if (t === 'trtllm') configured = [...TRTLLM_BENCH_CUDA_GRAPH_SIZES];
  else {
    configured = t.split(',').map((x) => Number(x.trim()));
    if (configured.some((x) => !(Number.isSafeInteger(x) && x >= 1)) || configured.length === 0) {
      throw new InputError(`--cuda-graph-padding "${text}": expected off, trtllm or a comma-separated list of batch sizes ≥ 1 (e.g. 1,2,4,8,16)`);
    }
  }
  try {
    const sizes = capturedBatchSizes(configured, maxBatchSize, maxNumTokens);
    return sizes.length > 0 ? sizes : undefined;
  } catch (e) {
    if (e instanceof ServingError) throw new InputError(`--cuda-graph-padding: ${e.message}`);
    throw e;
  }
}
