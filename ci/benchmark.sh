#!/usr/bin/env bash
# Measures the matrix's wall time on this machine: cold (nothing built) and warm (all built),
# natively and in containers, and the proto compatibility gate on one edit. Prints a Markdown
# table for the README. Slow on purpose (cold builds); not part of the test suite.
# Usage: ci/benchmark.sh [native|docker|compat|all|warm]
#   warm: only the README's "Speed" table: each run 3 times, warm, the median and every run's
#         wall time with the 1-minute load average before it (2 cores are shared: noisy) and
#         the CPU time it used (user + system, every process but the Docker engine's); then the
#         growth per language, natively, from those medians.
set -euo pipefail
cd "$(dirname "$0")/.."
tiers=${1:-all}
# The environment as it is: ./interop keeps the Python bytecode in .interop/pycache where
# PYTHONDONTWRITEBYTECODE is set (this machine's environment sets it).

clean_native() {  # every client's build outputs (untracked files) and the harness's stamps
  git clean -fdxq clients/ servers/
  rm -rf .interop/native .interop/stamps
}

clean_docker() {
  docker images --format '{{.Repository}}:{{.Tag}}' | grep '^teams-interop/.*:dev$' | xargs -r docker rmi -f >/dev/null
  docker image prune -f >/dev/null  # the classic builder's cache lives in dangling layers
}

measure() {  # label, command...
  local label=$1; shift
  local start end
  start=$(date +%s%N)
  "$@" > "$logs/benchmark-${label//[ \/,+()]/-}.log" 2>&1
  end=$(date +%s%N)
  local tenths=$(( (end - start) / 100000000 ))
  printf '| %s | %d.%d s | %s |\n' "$label" $((tenths / 10)) $((tenths % 10)) "$(cut -d' ' -f1 /proc/loadavg)"
}

# The compat gate on one proto edit, as a user meets it: a fresh clone of HEAD (no .interop/ but
# the harness's own venv, made first and not measured; package managers' caches warm), the
# edit made in its working tree, `./interop compat --against HEAD` with the seed trio. Then the
# same edit checked again (warm), and other edits, each new, checked after it (warm: the base
# version is built). The gate's exit status is 0 for all of them (compatible); its summary ends
# with a time section (one line per build and per skew run), kept in the logs.
compat_edit() {  # nickname | <field name>: the proto edit (and the server's) in the clone
  git checkout -q -- proto python_server
  if [ "$1" = nickname ]; then  # allowed/field_deleted_reserved: nickname deleted and reserved
    sed -i 's/^  string nickname = 2;$/  reserved 2;\n  reserved "nickname";/' proto/teams.proto
    sed -i 's/TeamResponse(city=city, nickname=roster.nickname(city))/TeamResponse(city=city)/' \
      python_server/teams_server/service.py
  else  # allowed/field_added: a new field in ListTeamsRequest
    sed -i "s/^  string city_prefix = 1;\$/  string city_prefix = 1;\n  int32 $1 = 2;/" proto/teams.proto
  fi
  if git diff --quiet -- proto; then echo "benchmark: the $1 edit did not apply" >&2; exit 2; fi
}

bench_compat() {
  local clone=.interop/benchmark-compat trio="python,go,node"
  local gate=(./interop compat --against HEAD --languages "$trio")
  rm -rf "$clone" && git clone -q . "$clone"
  (
    cd "$clone"
    ./interop cases >/dev/null  # the harness venv, as everywhere in this script
    compat_edit nickname
    measure "compat, one edit, cold (fresh clone)" "${gate[@]}"
    for i in 1 2 3; do measure "compat, the same edit again, warm ($i)" "${gate[@]}"; done
    for field in limit page offset; do
      compat_edit "$field"
      measure "compat, another edit after it, warm ($field)" "${gate[@]}"
    done
  )
}

timed() {  # log, command...: prints the wall time in hundredths of a second and the CPU seconds
  # (user + system) of the command and every process it waited for: the harness, the servers,
  # native clients (not what the Docker engine spends on containers)
  local log=$1; shift
  .interop/venv/bin/python -c '
import resource, subprocess, sys, time
started = time.monotonic()
with open(sys.argv[1], "w") as log:
    subprocess.run(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT, check=False)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(round((time.monotonic() - started) * 100), f"{used.ru_utime + used.ru_stime:.1f}")' "$log" "$@"
}

median_of_3() {  # label, command...: a warm-up run (builds what changed), then 3 measured ones
  local label=$1; shift
  "$@" > ".interop/benchmark-${label// /-}-warmup.log" 2>&1 || true
  local runs=() loads=() cpus=() i wall cpu
  for i in 1 2 3; do
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")
    read -r wall cpu < <(timed ".interop/benchmark-${label// /-}-$i.log" "$@")
    runs+=("$wall")  # hundredths of a second
    cpus+=("$cpu")
  done
  local middle=0
  for i in 1 2; do  # the median run: the one with one run at or below and one at or above it
    if { [ "${runs[i]}" -ge "${runs[0]}" ] && [ "${runs[i]}" -le "${runs[3-i]}" ]; } ||
       { [ "${runs[i]}" -le "${runs[0]}" ] && [ "${runs[i]}" -ge "${runs[3-i]}" ]; }; then middle=$i; fi
  done
  local each=""
  for i in 0 1 2; do
    each+="$(printf '%d.%02d s (load %s, CPU %s s)' $((runs[i] / 100)) $((runs[i] % 100)) "${loads[i]}" "${cpus[i]}")"
    [ "$i" -lt 2 ] && each+=", "
  done
  printf '| %s | **%d.%02d s** | %s |\n' "\`$*\`" $((runs[middle] / 100)) $((runs[middle] % 100)) "$each"
  median=${runs[middle]}  # hundredths of a second, for the growth per language below
  local timings
  timings=$(grep -h -E '^(phases|client start)' ".interop/benchmark-${label// /-}-$((middle + 1)).log" | paste -sd';' -)
  printf '| ↳ the median run | | %s |\n' "${timings//;/; }"
}

./interop cases >/dev/null  # the harness venv itself is not part of the measurement
logs=$PWD/.interop
if [ "$tiers" = warm ]; then
  every=$(./interop clients --json | python3 -c 'import json, sys; print(",".join(c["language"] for c in json.load(sys.stdin)))')
  echo "| command ($(nproc) cores, warm) | median of 3 | each run (1-minute load average before it, CPU used) |"
  echo "| --- | --- | --- |"
  median_of_3 "native 1" ./interop run --languages python
  one=$median
  median_of_3 "native 3" ./interop run --languages python,go,node
  three=$median
  median_of_3 "native all" ./interop run --languages "$every"
  all=$median count=$(echo "$every" | tr ',' '\n' | wc -l)
  if [ -z "${PYTHON_IMAGE:-}" ] && ! docker image inspect python:3.11-slim-bookworm >/dev/null 2>&1; then
    # shellcheck source=ci/docker/local-images.env
    . ci/docker/local-images.env  # the local stand-ins ci/machine.sh builds when no registry answers
  fi
  median_of_3 "docker 3" ./interop run --backend docker --languages python,go,node
  per() { local ms=$(( ($2 - $1) * 10 / $3 )); printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10)); }
  echo
  echo "growth per language (natively, the medians above): $(per "$one" "$three" 2) s each from 1 language to 3," \
    "$(per "$three" "$all" $((count - 3))) s each from 3 to $count"
  exit 0
fi
echo "| run ($(nproc) cores) | wall time | load (1 min) |"
echo "| --- | --- | --- |"
if [ "$tiers" = all ] || [ "$tiers" = native ]; then
  clean_native
  measure "native cold, every language" ./interop run
  for i in 1 2 3; do measure "native warm, every language ($i)" ./interop run; done
  for i in 1 2 3; do measure "native warm, python+go+node ($i)" ./interop run --languages python,go,node; done
fi
if [ "$tiers" = all ] || [ "$tiers" = docker ]; then
  clean_docker
  measure "docker cold, every language" ./interop run --backend docker
  for i in 1 2 3; do measure "docker warm, every language ($i)" ./interop run --backend docker; done
  for i in 1 2 3; do measure "docker warm, python+go+node ($i)" ./interop run --backend docker --languages python,go,node; done
fi
if [ "$tiers" = all ] || [ "$tiers" = compat ]; then
  bench_compat
fi
