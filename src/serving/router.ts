/**
 * The global router: picks a replica for each request as it arrives.
 * - `round-robin`: replica i mod R for the i-th request;
 * - `least-outstanding`: the replica with the fewest requests routed to it and not finished (lowest index on ties);
 * - `random`: uniform, from the seeded stream `serve/router`.
 */
import { createRng } from '../engine/index.ts';
import { ServingError } from './errors.ts';

export const ROUTERS = ['round-robin', 'least-outstanding', 'random'] as const;
export type RouterKind = (typeof ROUTERS)[number];

export type Router = (outstanding: (i: number) => number) => number;

export function createRouter(kind: string, replicas: number, seed: number | string): Router {
  switch (kind) {
    case 'round-robin': {
      let next = 0;
      return () => {
        const r = next;
        next = (next + 1) % replicas;
        return r;
      };
    }
    case 'least-outstanding':
      return (outstanding) => {
        let best = 0;
        for (let i = 1; i < replicas; i++) if (outstanding(i) < outstanding(best)) best = i;
        return best;
      };
    case 'random': {
      const rng = createRng(seed, 'serve/router');
      return () => rng.int(replicas);
    }
    default:
      throw new ServingError(`--router "${kind}": expected one of: ${ROUTERS.join(', ')}`);
  }
}
