/**
 * Peer figures the suite compares against (a helper module, not a bench script: it has no @bench tag).
 *
 * ASTRA-sim 2.0's analytical backend, measured on this machine class for issue #2: a 1 GiB ring all-reduce with 4
 * chunks (ASTRA-sim's preferred-dataset-splits) on each topology below, wall seconds and peak memory.
 */
export interface PeerCase {
  id: string;
  name: string;
  topology: string;
  npus: number;
  oneDimensional: boolean;
  astraSec: number;
  astraMB: number;
}

export const ASTRA_CASES: PeerCase[] = [
  { id: 'astra-switch-1024', name: '1024 NPUs, one switch', topology: 'switch:1024', npus: 1024, oneDimensional: true, astraSec: 9.75, astraMB: 352 },
  { id: 'astra-switch-4096', name: '4096 NPUs, one switch', topology: 'switch:4096', npus: 4096, oneDimensional: true, astraSec: 302, astraMB: 5400 },
  { id: 'astra-16x16x16', name: '4096 NPUs, 16x16x16', topology: 'switch:16,switch:16,switch:16', npus: 4096, oneDimensional: false, astraSec: 7.6, astraMB: 177 },
  { id: 'astra-32x32x16', name: '16384 NPUs, 32x32x16', topology: 'switch:32,switch:32,switch:16', npus: 16384, oneDimensional: false, astraSec: 66, astraMB: 862 },
];
