// src/cli/program.ts loads a command's module only when that command runs; the top-level help lists the others
// from its own table. These tests check that the table says what the loaded commands say, and which command an
// argument list selects.
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMANDS, selectedCommand } from '../src/cli/program.ts';

describe('cli program', () => {
  it('prints the same top-level help with the commands as placeholders as with every command loaded', async () => {
    const lazy = await buildProgram(['--help']);
    const eager = await buildProgram();
    expect(lazy.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    expect(lazy.helpInformation()).toEqual(eager.helpInformation());
  });

  it('prints the same help for each command whichever way it was built', async () => {
    const eager = await buildProgram();
    for (const c of COMMANDS) {
      const lazy = await buildProgram([c.name, '--help']);
      const mine = (p: typeof eager) => p.commands.find((x) => x.name() === c.name)!.helpInformation();
      expect(mine(lazy), c.name).toEqual(mine(eager));
    }
  });

  it('selects the command named first, or after help', () => {
    expect(selectedCommand(['collective', '-t', 'ring:4'])).toBe('collective');
    expect(selectedCommand(['help', 'convert'])).toBe('convert');
    expect(selectedCommand(['--help'])).toBeUndefined();
    expect(selectedCommand(['colective'])).toBeUndefined();
    expect(selectedCommand(['sweep', 'collective', '--op', 'allreduce'])).toBe('sweep');
  });
});
