#!/usr/bin/env bash
# Stops the daemons .ci/slurm-up.sh started (by the pid files in its state directory, nothing else) and removes that
# directory. Safe to run when nothing is up.
#
#   .ci/slurm-down.sh [STATE_DIR]      default: $ORRERY_SLURM_DIR or /tmp/orrery-slurm
set -uo pipefail

DIR="${1:-${ORRERY_SLURM_DIR:-/tmp/orrery-slurm}}"
[[ -d "$DIR" ]] || exit 0

# cancel what is still queued, so slurmd leaves no job steps behind
if [[ -f "$DIR/slurm.conf" ]] && command -v scancel >/dev/null; then
  SLURM_CONF="$DIR/slurm.conf" timeout 10 scancel --full --quiet -u "$(id -un)" 2>/dev/null || true
fi

stop() { # pid file, name
  local pidfile=$1 name=$2 pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  # only a process of that name: a stale pid file must not kill something else
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$name" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  echo "slurm-down: $name ($pid) did not stop on SIGTERM; SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

stop "$DIR/slurmd.pid" slurmd
stop "$DIR/slurmctld.pid" slurmctld
stop "$DIR/munge/munged.pid" munged
rm -rf "$DIR"
echo "slurm-down: stopped the cluster in $DIR" >&2
