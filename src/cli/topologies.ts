/** `orrery topologies`: list the named topologies shipped in topologies/. */
import type { Command } from 'commander';
import { clusterPresetNames, loadClusterPreset, namedTopologies, resolveTopology } from '../api/topology.ts';
import { describeDims } from '../api/vocabulary.ts';
import { formatCount } from './format.ts';

export function registerTopologies(program: Command): void {
  program
    .command('topologies')
    .summary('list the named topologies in topologies/ and the cluster presets (NAME:<nodes>)')
    .action(() => {
      for (const name of namedTopologies()) {
        const { topology, data } = resolveTopology({ topology: name });
        const dims = topology.dims.map((d) => `${d.bandwidthGBps} GB/s ${d.latencyNs} ns`).join(' | ') +
          (topology.physical ? `  (physical: ${topology.physical.family})` : '');
        console.log(`${name.padEnd(24)} ${formatCount(topology.npus).padStart(7)} NPUs  ${describeDims(topology.dims).padEnd(28)} ${dims}`);
        if (data.description) console.log(`${''.padEnd(24)} ${data.description}`);
      }
      console.log('\ncluster presets, sized by node count (e.g. dgx-h100:16); collectives default to NCCL\'s choice (--algo auto):');
      for (const name of clusterPresetNames()) {
        const { preset } = loadClusterPreset(name);
        const gpus = preset.node.reduce((a, d) => a * d.npus, 1);
        const links = preset.node.map((d) => `${d.link} ${d.bandwidthGBps} GB/s`).join(' + ') +
          (preset.network ? ` | ${preset.network.link} ${preset.network.bandwidthGBps} GB/s per NIC` : ' | one machine');
        console.log(`${`${name}:<nodes>`.padEnd(24)} ${String(gpus).padStart(3)} GPUs/node  ${(preset.device ?? '').padEnd(16)} ${links}`);
        console.log(`${''.padEnd(24)} ${preset.description}`);
      }
    });
}
