#!/usr/bin/env bash
# Usage: ci/disk-check.sh PATH...: exit 1, with one line, when a filesystem holding one of the
# PATHs has less than INTEROP_MIN_FREE_GB (default 10) free. `./interop test` checks the
# repository and TMPDIR first, then Docker's data folder once an engine answers.
# Why 10 GB (measured, README "Two commands"): a fresh clone grows to ~5 GB during the suite (.tox
# 1.2 GB, compat trees 2.4, client builds 0.7, .interop/venv 0.3), pytest's temporary folders
# take ~0.5 GB, the images 3-6 GB. On a full disk every test fails at once, each with a traceback,
# and our CI once went on for 90 minutes that way.
set -euo pipefail
floor=${INTEROP_MIN_FREE_GB:-10}
case "$floor" in '' | *[!0-9]*) echo "interop test: INTEROP_MIN_FREE_GB must be a whole number of GB, not '$floor'" >&2; exit 2 ;; esac
[ "$floor" = 0 ] && exit 0
seen=" " short=()
for path in "$@"; do
  [ -e "$path" ] || continue
  read -r mount free_kib < <(df -Pk "$path" | awk 'NR == 2 { print $6, $4 }')
  case "$seen" in *" $mount "*) continue ;; esac
  seen="$seen$mount "
  if [ "$free_kib" -lt $((floor * 1024 * 1024)) ]; then
    short+=("$(awk -v k="$free_kib" 'BEGIN { printf "%.1f", k / 1048576 }') GB free on $mount (holding $path)")
  fi
done
[ ${#short[@]} -eq 0 ] && exit 0
joined=$(printf '%s, ' "${short[@]}")
echo "interop test: not enough disk: ${joined%, }; the suite needs about $floor GB free there" \
  "(free some: old clones, docker image prune; INTEROP_MIN_FREE_GB sets the floor, 0 skips the check)" >&2
exit 1
