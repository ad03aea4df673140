#!/usr/bin/env bash
# bench_promote.sh measures `slipway promote` and `slipway history` against the
# local Distribution registry (scripts/registry.sh), and prints the figures
# docs/promote.md records:
#
#   * promotion time of a 10 MiB and a 1 GiB artifact, in place (REPO:ENV moves)
#     and into another repository of the registry (--to: blobs are mounted), with
#     the 1 GiB / 10 MiB ratio (target <= 1.5: promotion must not grow with size);
#   * `slipway history` of an environment with 1,000 records: the newest 20 (the
#     default) and all of them, and the requests each makes (Go benchmark).
#
#   scripts/bench_promote.sh
#
# Knobs: SLIPWAY_BENCH_DIR (scratch, /tmp/slipway-bench), SLIPWAY_BENCH_RUNS (5).
# A target missed is reported (MISS), not failed: the script fails only when a
# command fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
# shellcheck source=scripts/registry.sh
source scripts/registry.sh

bench_dir=${SLIPWAY_BENCH_DIR:-/tmp/slipway-bench}
runs=${SLIPWAY_BENCH_RUNS:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "SLIPWAY_BENCH_RUNS=$runs: want a positive number"

work=""
trap 'registry_down; [[ -z $work ]] || rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v go >/dev/null 2>&1 || die "go not found on PATH (Slipway needs the Go version in go.mod)"
mkdir -p "$bench_dir"
work=$(mktemp -d "$bench_dir/promote.XXXXXX")
slipway=$work/slipway
log "building slipway"
CGO_ENABLED=0 go build -trimpath -o "$slipway" ./cmd/slipway

registry_deps
registry_up
reg=$SLIPWAY_TEST_REGISTRY
export SOURCE_DATE_EPOCH=0 SLIPWAY_CACHE_DIR=$work/cache NO_COLOR=1 DOCKER_CONFIG=$work/docker
cd "$work"

# A trivial gate policy: the artifacts are random bytes, not a real model.
mkdir -p pass
printf 'package bench\n\nimport rego.v1\n\ndeny contains "never" if input.metrics.accuracy < 0\n' >pass/pass.rego
echo '{"accuracy": 0.9}' >eval.json
"$slipway" attest keygen gate.key gate.pub >/dev/null

# make_artifact NAME BYTES packs a model folder holding one random weight file
# of BYTES into $reg/bench/NAME, gates it, and prints its pinned reference.
make_artifact() {
	local name=$1 bytes=$2 dir=$work/models/$1
	mkdir -p "$dir"
	head -c "$bytes" /dev/urandom >"$dir/model.safetensors"
	echo '{"model_type": "bench"}' >"$dir/config.json"
	touch -d '1 hour ago' "$dir"/*
	local ref
	ref=$("$slipway" pack "$dir" --name "bench-$name" --version 1.0.0 --to "$reg/bench/$name" -q | tail -1)
	"$slipway" gate "$ref" --metrics eval.json --policy pass --key gate.key -q >/dev/null
	echo "$ref"
}

# seconds CMD… runs CMD and prints its wall time in seconds.
seconds() {
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f\n", b - a}'
}

# median prints the median of its arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A result
for size in 10m:$((10 << 20)) 1g:$((1 << 30)); do
	name=${size%%:*} bytes=${size#*:}
	log "packing and gating a $name artifact"
	ref=$(make_artifact "$name" "$bytes")
	for mode in inplace to; do
		times=()
		for ((i = 1; i <= runs; i++)); do
			if [[ $mode == inplace ]]; then
				times+=("$(seconds "$slipway" promote "$ref" --env "run$i" --key gate.pub -q)")
			else
				times+=("$(seconds "$slipway" promote "$ref" --env "run$i" --key gate.pub -q --to "$reg/bench/$name-prod-$i")")
			fi
		done
		result[$name.$mode]=$(median "${times[@]}")
		log "promote $name ($mode): ${times[*]} s; median ${result[$name.$mode]} s"
	done
done

log "seeding a history of 1,000 records and reading it (Go benchmark)"
bench_out=$work/history-bench.txt
(cd "$root" && SLIPWAY_BENCH_REGISTRY=$reg SLIPWAY_BENCH_HISTORY_REPO=bench/history \
	go test -run '^$' -bench BenchmarkHistory -benchtime 20x ./internal/promote/) | tee "$bench_out" >&2
hist20=() histall=()
for ((i = 1; i <= runs; i++)); do
	hist20+=("$(seconds "$slipway" history "$reg/bench/history" --env production)")
	histall+=("$(seconds "$slipway" history "$reg/bench/history" --env production --limit 0 -o json)")
done
rows=$("$slipway" history "$reg/bench/history" --env production --limit 0 -o json | grep -c '"action"')

verdict() { awk -v r="$1" -v t="$2" 'BEGIN {print (r <= t ? "ok" : "MISS")}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f\n", a / b}'; }
ratio_in=$(ratio "${result[1g.inplace]}" "${result[10m.inplace]}")
ratio_to=$(ratio "${result[1g.to]}" "${result[10m.to]}")
printf '\n%-48s %10s %10s %8s %6s\n' "measurement (median of $runs)" "10 MiB" "1 GiB" "ratio" "<=1.5"
printf '%-48s %9.3fs %9.3fs %8.2f %6s\n' "promote in place (REPO:ENV moves)" "${result[10m.inplace]}" "${result[1g.inplace]}" "$ratio_in" "$(verdict "$ratio_in" 1.5)"
printf '%-48s %9.3fs %9.3fs %8.2f %6s\n' "promote --to another repository (mounts)" "${result[10m.to]}" "${result[1g.to]}" "$ratio_to" "$(verdict "$ratio_to" 1.5)"
printf '%-48s %9.3fs\n' "history, newest 20 of 1,000 (CLI)" "$(median "${hist20[@]}")"
printf '%-48s %9.3fs  (%s records)\n' "history, all 1,000 (CLI, --limit 0 -o json)" "$(median "${histall[@]}")" "$rows"
grep -E '^BenchmarkHistory' "$bench_out" | awk '{printf "%-48s %9.3fms %6s requests\n", "Go: " $1, $3/1e6, $5}'
