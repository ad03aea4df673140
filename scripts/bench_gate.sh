#!/usr/bin/env bash
# bench_gate.sh compares `slipway policy eval` with conftest on the same
# policy: 10,000 metric files in one run, and one file, whole process each
# (compile + evaluate + report), best of 3 runs.
#
#   bash scripts/bench_gate.sh          # `make bench` runs it too
#
# Targets: ≤ 0.2× conftest on 10,000 files, ≤ 1.0× on one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
work=${SLIPWAY_BENCH_DIR:-/tmp/slipway-bench}/gate
mkdir -p "$work"
log() { printf '==> %s\n' "$*" >&2; }

export GOBIN=${GOBIN:-${SLIPWAY_BENCH_DIR:-/tmp/slipway-bench}/bin}
mkdir -p "$GOBIN"
if [ ! -x "$GOBIN/conftest" ]; then
	log "installing conftest v0.71.1 (once)"
	go install github.com/open-policy-agent/conftest@v0.71.1
fi
make -s build
slipway="$repo/bin/slipway" conftest="$GOBIN/conftest"

# The policy: the checks a metrics gate makes, conftest-style, in package main.
mkdir -p "$work/policy"
cat >"$work/policy/metrics.rego" <<'REGO'
package main

min := {"accuracy": 0.9, "f1_macro": 0.88}

max := {"log_loss": 0.35}

deny contains msg if {
	some name, bound in min
	value := input[name]
	value < bound
	msg := sprintf("%s %v is below the minimum %v", [name, value, bound])
}

deny contains msg if {
	some name, bound in max
	value := input[name]
	value > bound
	msg := sprintf("%s %v is above the maximum %v", [name, value, bound])
}

deny contains msg if {
	some name, _ in min
	not input[name]
	msg := sprintf("%s is missing", [name])
}

warn contains msg if {
	input.recall_virginica < 0.8
	msg := sprintf("recall_virginica %v is low", [input.recall_virginica])
}
REGO

files=$work/metrics
if [ ! -f "$files/.done" ]; then
	log "writing 10,000 metric files"
	rm -rf "$files" && mkdir -p "$files"
	for i in $(seq 0 9999); do
		a=$((8500 + i % 1400))
		printf '{"accuracy": 0.%04d, "f1_macro": 0.%04d, "log_loss": 0.%04d, "recall_virginica": 0.%04d}\n' \
			"$a" "$((a - 20))" "$((4000 - a / 4))" "$((7000 + i % 3000))" >"$files/m$i.json"
	done
	touch "$files/.done"
fi

# best SECONDS of three runs of a command (its exit status 0 or 1 both count: failures are findings)
best() {
	local best="" t
	for _ in 1 2 3; do
		local start end
		start=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || [ $? -le 1 ] || { echo "command failed: $*" >&2; return 1; }
		end=$(date +%s.%N)
		t=$(echo "$end - $start" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	printf '%.3f' "$best"
}

command -v bc >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc >/dev/null; }

log "10,000 files"
s_many=$(best "$slipway" policy eval "$files" --policy "$work/policy" -o json)
c_many=$(best "$conftest" test "$files" --policy "$work/policy" --no-color -o json)
log "one file"
s_one=$(best "$slipway" policy eval "$files/m1.json" --policy "$work/policy")
c_one=$(best "$conftest" test "$files/m1.json" --policy "$work/policy" --no-color)

ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
verdict() { [ "$(echo "$1 <= $2" | bc -l)" = 1 ] && echo PASS || echo MISS; }
r_many=$(ratio "$s_many" "$c_many")
r_one=$(ratio "$s_one" "$c_one")
printf '\n%-34s %10s %10s %7s %7s %s\n' "gate: policy eval vs conftest test" "slipway s" "conftest s" "ratio" "target" "result"
printf '%-34s %10s %10s %7s %7s %s\n' "10,000 metric files" "$s_many" "$c_many" "$r_many" "0.20" "$(verdict "$r_many" 0.2)"
printf '%-34s %10s %10s %7s %7s %s\n' "one metric file" "$s_one" "$c_one" "$r_one" "1.00" "$(verdict "$r_one" 1.0)"
