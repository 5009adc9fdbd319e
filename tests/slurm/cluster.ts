/**
 * Finds a Slurm cluster for the Slurm tests: the one `.ci/slurm-up.sh` started (its state directory's `env` file,
 * $ORRERY_SLURM_DIR or /tmp/orrery-slurm), or whatever SLURM_CONF / the default configuration points to. The tests
 * run only when `sinfo` answers and a node is up; otherwise they are skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Cluster = { ok: true; env: NodeJS.ProcessEnv } | { ok: false; reason: string };

export function findCluster(): Cluster {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const stateEnv = join(process.env.ORRERY_SLURM_DIR ?? '/tmp/orrery-slurm', 'env');
  if (!env.SLURM_CONF && existsSync(stateEnv)) {
    const m = /SLURM_CONF=(\S+)/.exec(readFileSync(stateEnv, 'utf8'));
    if (m) env.SLURM_CONF = m[1];
  }
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 20_000 });
  const start = 'start one with `bash .ci/slurm-up.sh` (root; ORRERY_SLURM_INSTALL=1 installs Slurm from Debian)';
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? `Slurm's sinfo is not installed; ${start}` : `sinfo did not run (${code}); ${start}` };
  }
  if (r.status !== 0) return { ok: false, reason: `no Slurm controller answers (sinfo: ${r.stderr.trim().split('\n').pop()}); ${start}` };
  const states = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (!states.some((s) => /^(idle|mixed|allocated|completing)/.test(s))) {
    return { ok: false, reason: `no Slurm node is up (node states: ${states.join(', ') || 'none'}); ${start}` };
  }
  return { ok: true, env };
}
