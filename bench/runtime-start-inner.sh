#!/usr/bin/env bash
# Inner loop of runtime-start.sh, as the unprivileged user. Writes
# "<runtime> <median ns>" lines to RESULTS.
set -euo pipefail
work=$1 rounds=$2 results=$3
cd "$work/bundle"
runc spec --rootless
jq '.process.terminal = false | .process.args = ["true"]' config.json >c.json && mv c.json config.json

declare -A cmd=(
  [nook-runtime]="$work/nook-runtime --root $work/state-nook run -b $work/bundle"
  [crun]="crun --cgroup-manager=disabled --root $work/state-crun run -b $work/bundle"
  [runc]="runc --root $work/state-runc run -b $work/bundle"
)
names=(nook-runtime crun runc)
declare -A samples
for name in "${names[@]}"; do
  # One warm-up run each; it also proves the runtime works here.
  ${cmd[$name]} warm-$name >/dev/null || { echo "$name failed to run the bundle" >&2; exit 1; }
done
for ((i = 0; i < rounds; i++)); do
  # Rotate the order every round so no runtime always goes first.
  for ((j = 0; j < ${#names[@]}; j++)); do
    name=${names[$(((i + j) % ${#names[@]}))]}
    start=$(date +%s%N)
    ${cmd[$name]} "b$i" >/dev/null
    end=$(date +%s%N)
    samples[$name]+="$((end - start)) "
  done
done
: >"$results"
for name in "${names[@]}"; do
  median=$(tr ' ' '\n' <<<"${samples[$name]}" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
  echo "$name $median" >>"$results"
done
