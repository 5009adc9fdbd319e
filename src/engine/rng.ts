/**
 * Seeded random streams. Every random draw in Orrery comes from here, seeded explicitly, so the same inputs and
 * seed give the same output byte for byte (seedrandom's ARC4-based generator, as ns-3 seeds by {seed, run}).
 */
import seedrandom from 'seedrandom';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Normal with the given mean and standard deviation (Box-Muller). */
  normal(mean: number, sd: number): number;
}

/** A stream named `stream` under `seed`: distinct streams are independent and each is reproducible on its own. */
export function createRng(seed: number | string, stream = ''): Rng {
  const prng = seedrandom(`${seed}/${stream}`);
  return {
    next: () => prng.quick(),
    int: (n: number) => Math.floor(prng.quick() * n),
    normal(mean: number, sd: number): number {
      let u = 0;
      while (u === 0) u = prng.double();
      const v = prng.double();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
