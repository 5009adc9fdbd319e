/**
 * A sweep worker: runs points it is sent, one at a time, and posts back each point's metrics, wall time and memory.
 * It starts from a bundle of the sources (see sweep-pool.ts) or through tsx; either way it runs the same code as
 * `orrery collective`.
 *
 * Memory: before each point the worker forces a full garbage collection; after it, it reads its own isolate's V8
 * heap (committed, `heapTotal`) plus external memory (typed arrays, which hold the simulator's state). That is the
 * point's high-water mark in this worker (V8 rarely shrinks a heap mid-run), including the worker's own baseline of
 * a few MB. It is not the process's RSS, which all workers share.
 */
import { parentPort } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runPoint, type PointRequest } from './sweep-point.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

parentPort!.on('message', (req: PointRequest) => {
  parentPort!.postMessage(runPoint(req, gc));
});
parentPort!.postMessage({ ready: true });
