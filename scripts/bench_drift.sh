#!/usr/bin/env bash
# bench_drift.sh compares `slipway drift` with pandas + scipy (scripts/bench_drift.py,
# Debian's /usr/bin/python3) on the same two CSVs: ROWS rows × 10 normal numeric
# columns each, the current one shifted and scaled. Both compute, per column,
# the KS statistic and p-value, Wasserstein-1, PSI on the reference's deciles and
# the Jensen–Shannon distance. Wall time and peak RSS (GNU time), median and best
# of RUNS runs taking turns; the page cache is warm for both (the files were just
# read). It checks that both found the same KS statistics.
#
#   bash scripts/bench_drift.sh                 # `make bench` runs it too
#   SLIPWAY_BENCH_DRIFT_ROWS=100000 bash scripts/bench_drift.sh   # a quick check
#   SLIPWAY_BENCH_DRIFT_BIG=1 bash scripts/bench_drift.sh         # + 10M rows × 20 columns, RSS
#
# Target: ≤ 0.5× pandas + scipy's wall time. A miss is reported, not failed.
# SLIPWAY_BENCH_DRIFT_BIG=1 also streams 10,000,000 rows × 20 columns into
# `slipway drift --current -` (a generator on stdin, nothing on disk) against a
# 1,000,000-row reference and reports slipway's peak RSS (target < 1 GiB): past
# --exact-limit the columns are sketched.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
rows=${SLIPWAY_BENCH_DRIFT_ROWS:-1000000}
runs=${SLIPWAY_BENCH_RUNS:-3}
[[ $rows =~ ^[1-9][0-9]*$ ]] || { echo "SLIPWAY_BENCH_DRIFT_ROWS=$rows: want a positive number" >&2; exit 2; }
work=${SLIPWAY_BENCH_DIR:-/tmp/slipway-bench}/drift
mkdir -p "$work"
log() { printf '==> %s\n' "$*" >&2; }
py=/usr/bin/python3
peer=$repo/scripts/bench_drift.py

# Debian packages: GNU time, and pandas, scipy, numpy for /usr/bin/python3.
missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
for p in python3-pandas python3-scipy python3-numpy; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	log "installing ${missing[*]}"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
make -s build
slipway=$repo/bin/slipway

ref=$work/ref-$rows.csv cur=$work/cur-$rows.csv
if [[ ! -f $work/.done-$rows ]]; then
	log "writing $rows rows × 10 columns twice in $work (once)"
	"$py" "$peer" --generate "$rows" 10 1 0 >"$ref"
	"$py" "$peer" --generate "$rows" 10 2 0.02 >"$cur"
	touch "$work/.done-$rows"
fi
cat "$ref" "$cur" >/dev/null # warm the page cache for both alike

# timed LABEL CMD... appends "wall-s peak-KiB user-s sys-s" to $work/LABEL.runs, the output to $work/LABEL.out.
timed() {
	local label=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$work/time.out" "$@" >"$work/$label.out" 2>"$work/$label.err" || [[ $? == 1 ]] || {
		cat "$work/$label.err" >&2
		echo "$label: $* failed" >&2
		exit 1
	}
	# GNU time writes "Command exited with non-zero status N" first when the
	# command exits non-zero (slipway does, 1, on drift): the numbers are last.
	tail -n 1 "$work/time.out" >>"$work/$label.runs"
	log "$label: $(tail -n 1 "$work/time.out") (wall s, KiB, user s, sys s)"
}
# stat LABEL median|best|peak|cpu: wall seconds, the highest peak RSS in MiB,
# or the median CPU seconds (user + system).
stat() {
	case $2 in
	cpu) awk '{print $3 + $4}' "$work/$1.runs" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}' ;;
	peak) awk '$2>m{m=$2} END {printf "%.0f", m/1024}' "$work/$1.runs" ;;
	*) awk '{print $1}' "$work/$1.runs" | sort -g | awk -v best="$([[ $2 == best ]] && echo 1 || echo 0)" \
		'{v[NR]=$1} END {print (best ? v[1] : (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2))}' ;;
	esac
}
rm -f "$work"/*.runs
for i in $(seq "$runs"); do
	log "run $i of $runs"
	timed slipway "$slipway" drift --reference "$ref" --current "$cur" -o json
	timed pandas "$py" "$peer" "$ref" "$cur"
done

# Both must have found the same KS statistics (to 1e-9).
"$py" - "$work/slipway.out" "$work/pandas.out" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["features"]
p = json.load(open(sys.argv[2]))
bad = [c for c in p if abs(s[c]["statistic"] - p[c]["statistic"]) > 1e-9 or abs(s[c]["wasserstein"] - p[c]["wasserstein"]) > 1e-9 * max(1, p[c]["wasserstein"])]
if bad:
    sys.exit(f"slipway and scipy differ on {bad}")
PY

ratio() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {r = a/b; printf "%.2f %s", r, (t == "-" ? "" : (r <= t ? "PASS" : "MISS"))}'; }
printf '\n%-44s %9s %9s %11s\n' "drift: slipway vs pandas+scipy ($rows rows × 10)" "slipway" "pandas" "ratio"
printf '%-44s %9s %9s %11s  (target 0.50)\n' "wall s, median of $runs" "$(stat slipway median)" "$(stat pandas median)" "$(ratio "$(stat slipway median)" "$(stat pandas median)" 0.5)"
printf '%-44s %9s %9s %11s\n' "wall s, best of $runs" "$(stat slipway best)" "$(stat pandas best)" "$(ratio "$(stat slipway best)" "$(stat pandas best)" 0.5)"
printf '%-44s %9s %9s %11s\n' "CPU s (user+sys), median" "$(stat slipway cpu)" "$(stat pandas cpu)" "$(ratio "$(stat slipway cpu)" "$(stat pandas cpu)" -)"
printf '%-44s %9s %9s %11s\n' "peak RSS MiB" "$(stat slipway peak)" "$(stat pandas peak)" "$(ratio "$(stat slipway peak)" "$(stat pandas peak)" -)"
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg): other work on the machine skews wall times; the median is the verdict, CPU time is steadier"

if [[ ${SLIPWAY_BENCH_DRIFT_BIG:-0} == 1 ]]; then
	bigref=$work/ref-1000000x20.csv
	if [[ ! -f $work/.done-big ]]; then
		log "writing the 1,000,000 × 20 reference (once)"
		"$py" "$peer" --generate 1000000 20 3 0 >"$bigref"
		touch "$work/.done-big"
	fi
	log "10,000,000 rows × 20 columns on stdin (a few minutes: the generator is the slow part)"
	"$py" "$peer" --generate 10000000 20 4 0.01 |
		/usr/bin/time -f '%e %M' -o "$work/big.time" "$slipway" drift --reference "$bigref" --current - -o json >"$work/big.out" || [[ $? == 1 ]]
	read -r secs kib < <(tail -n 1 "$work/big.time")
	printf '%-44s %9s MiB  (target < 1024; %s s, bound by the generator)\n' "10M rows × 20 columns, slipway peak RSS" "$((kib / 1024))" "$secs"
fi
