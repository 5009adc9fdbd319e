/** `orrery topologies`: list the named topologies shipped in topologies/. */
import type { Command } from 'commander';
import { describeDims, namedTopologies, resolveTopology } from '../api/index.ts';
import { formatCount } from './format.ts';

export function registerTopologies(program: Command): void {
  program
    .command('topologies')
    .summary('list the named topologies in topologies/')
    .action(() => {
      for (const name of namedTopologies()) {
        const { topology, data } = resolveTopology({ topology: name });
        const dims = topology.dims.map((d) => `${d.bandwidthGBps} GB/s ${d.latencyNs} ns`).join(' | ') +
          (topology.physical ? `  (physical: ${topology.physical.family})` : '');
        console.log(`${name.padEnd(24)} ${formatCount(topology.npus).padStart(7)} NPUs  ${describeDims(topology.dims).padEnd(28)} ${dims}`);
        if (data.description) console.log(`${''.padEnd(24)} ${data.description}`);
      }
    });
}
