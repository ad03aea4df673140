#!/usr/bin/env bash
# bench.sh measures Slipway against its peer, oras, on a 1 GiB model and prints
# the two side by side with their ratio and Slipway's target for each. `make bench`
# calls it; docs/benchmarks.md records its results and how to read them.
#
#   scripts/bench.sh
#
# It builds bin/slipway, installs oras (once), generates the model (once), starts
# the local registry (scripts/registry.sh), runs the Go benchmarks, then times
# each command SLIPWAY_BENCH_RUNS times (default 5, Slipway and oras taking turns)
# and reports the median and the best run of each. Before every timed run it
# syncs and, when the kernel lets it (root), drops the page cache, so each run
# starts cold; otherwise every run is warm, for both tools alike, and the report
# says so. Other work on the machine skews single runs: the median is the
# verdict, the best run shows what the code can do on a quiet machine.
#
# A target missed is reported (MISS), not failed: the script fails only when a
# command fails. Knobs:
#   SLIPWAY_BENCH_DIR     scratch folder for the model, oras and run stores (/tmp/slipway-bench)
#   SLIPWAY_BENCH_RUNS    runs per measurement (5)
#   SLIPWAY_BENCH_COLD=0  keep the page cache (warm runs) even where it could be dropped
#   SLIPWAY_BENCH_GO=0    skip the Go benchmarks
#   SLIPWAY_BENCH_UPSTREAM=1  also time the registry rows against the upstream
#                         Distribution release (go install'ed, built with this Go,
#                         whose SHA-256 uses the CPU's SHA extensions), beside Debian's
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
# shellcheck source=scripts/registry.sh
source scripts/registry.sh

bench_dir=${SLIPWAY_BENCH_DIR:-/tmp/slipway-bench}
runs=${SLIPWAY_BENCH_RUNS:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "SLIPWAY_BENCH_RUNS=$runs: want a positive number"
oras_version=v1.3.6
model=$bench_dir/model
version=1.0.0
artifact_type=application/vnd.cncf.model.manifest.v1+json
weight_type=application/vnd.cncf.model.weight.v1.raw
slipway=$root/bin/slipway
oras=$bench_dir/bin/oras
# /usr/bin/time (GNU time, not the shell keyword) gives wall seconds and peak RSS.
REGISTRY_PACKAGES+=(time:/usr/bin/time)

work=""
upstream_pid=""
trap '[[ -z $upstream_pid ]] || kill "$upstream_pid" 2>/dev/null; registry_down; [[ -z $work ]] || rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v go >/dev/null 2>&1 || die "go not found on PATH (Slipway needs the Go version in go.mod)"
mkdir -p "$bench_dir"
work=$(mktemp -d "$bench_dir/run.XXXXXX")

# --- the model: 2 x 512 MiB shards, a config and a card, generated once ---------

model_files=(model-00001-of-00002.safetensors model-00002-of-00002.safetensors config.json README.md)

make_model() {
	[[ -f $bench_dir/model.done ]] && return 0
	log "generating a 1 GiB model in $model"
	rm -rf "$model" "$model.tmp"
	mkdir -p "$model.tmp"
	local shard
	for shard in "${model_files[@]:0:2}"; do
		head -c 512M /dev/urandom >"$model.tmp/$shard"
	done
	cat >"$model.tmp/config.json" <<-'EOF'
		{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32}
	EOF
	cat >"$model.tmp/README.md" <<-'EOF'
		---
		name: bench-model
		license: apache-2.0
		---
		# bench-model

		1 GiB of random weights for scripts/bench.sh.
	EOF
	# Back-date every file: the hash cache does not trust a file modified within
	# 2 s of being hashed (like git's "racily clean" rule, a same-size edit inside
	# the timestamp granularity would go unseen), so a just-written model would
	# never re-pack from the cache.
	touch -d '1 minute ago' "$model.tmp"/*
	mv "$model.tmp" "$model"
	touch "$bench_dir/model.done"
}

# --- peers ----------------------------------------------------------------------

install_oras() {
	if [[ -x $oras ]] && "$oras" version 2>/dev/null | grep -q "Version: *${oras_version#v}$"; then
		return 0
	fi
	log "installing oras $oras_version into $bench_dir/bin"
	GOBIN=$bench_dir/bin go install "oras.land/oras/cmd/oras@$oras_version" || die "go install oras@$oras_version failed"
}

# upstream_up installs (once) and starts the upstream Distribution registry on
# a free port, with its data in the run folder, and sets upstream to its host:port.
upstream_version=v3.1.2
upstream=""
upstream_up() {
	local bin=$bench_dir/bin/registry dir=$work/upstream port
	if [[ ! -x $bin ]] || ! "$bin" --version 2>/dev/null | grep -q "${upstream_version}"; then
		log "installing the Distribution registry $upstream_version into $bench_dir/bin"
		GOBIN=$bench_dir/bin go install "github.com/distribution/distribution/v3/cmd/registry@$upstream_version" ||
			die "go install distribution/v3/cmd/registry@$upstream_version failed"
	fi
	port=$(pick_port "" 5200) || exit 1
	mkdir -p "$dir/data"
	cat >"$dir/config.yml" <<-EOF
		version: 0.1
		log: {level: error}
		storage:
		  filesystem: {rootdirectory: $dir/data}
		http:
		  addr: 127.0.0.1:$port
	EOF
	OTEL_TRACES_EXPORTER=none "$bin" serve "$dir/config.yml" >"$dir/log" 2>&1 </dev/null &
	upstream_pid=$!
	local i
	for ((i = 0; i < 100; i++)); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null && break
		sleep 0.1
	done
	curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" || die "the upstream registry did not start: $(cat "$dir/log")"
	upstream=127.0.0.1:$port
}

# --- timing -----------------------------------------------------------------------

cold=0
# settle flushes dirty pages (the previous run's output) and, if allowed, drops
# the page cache, so that no run pays for, or profits from, the one before.
settle() {
	sync
	if ((cold)); then
		echo 3 >/proc/sys/vm/drop_caches
	else
		cat "${model_files[@]/#/$model/}" >/dev/null
	fi
}

# registry_cpu prints the CPU time (user+sys, in clock ticks) the open registry
# has used so far, or 0 when its process is not known.
registry_cpu() {
	local pid=${REGISTRY_PIDS[0]:-}
	[[ -n $pid && -r /proc/$pid/stat ]] || {
		echo 0
		return
	}
	awk '{print $14 + $15}' "/proc/$pid/stat"
}

# timed LABEL DIR CMD... runs CMD in DIR after settle, with its output in a log,
# and appends "wall-s peak-KiB cpu-s registry-cpu-s" to $work/LABEL. A failing CMD
# ends the script.
timed() {
	local label=$1 dir=$2
	shift 2
	settle
	local out=$work/$label.log reg_before reg_after
	reg_before=$(registry_cpu)
	if ! (cd "$dir" && /usr/bin/time -f '%e %M %U %S' -o "$work/time.out" "$@") >"$out" 2>&1; then
		cat "$out" >&2
		die "$label: $* failed (in $dir)"
	fi
	reg_after=$(registry_cpu)
	local secs kib user sys cpu reg
	read -r secs kib user sys <"$work/time.out"
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
	reg=$(awk -v a="$reg_before" -v b="$reg_after" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')
	echo "$secs $kib $cpu $reg" >>"$work/$label"
	printf '  %-16s %6.2f s %8d KiB  cpu %5.2f s  registry cpu %5.2f s\n' "$label" "$secs" "$kib" "$cpu" "$reg" >&2
}

# stat_of LABEL STAT prints one statistic of LABEL's runs: median or best
# (lowest) wall seconds, peak RSS in MiB (the highest), or the median CPU
# seconds of the command (cpu) or of the registry while it ran (registry).
stat_of() {
	local col
	case $2 in
	median | best) col=1 ;;
	cpu) col=3 ;;
	registry) col=4 ;;
	peak)
		awk '$2>m{m=$2} END {printf "%.0f", m/1024}' "$work/$1"
		return
		;;
	esac
	awk -v c="$col" '{print $c}' "$work/$1" | sort -g |
		awk -v best="$([[ $2 == best ]] && echo 1 || echo 0)" '{v[NR]=$1} END {print (best ? v[1] : (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2))}'
}

# compare A B TARGET prints "ratio verdict" for seconds A against B.
compare() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {r = a/b; printf "%.3f %s", r, (t == "-" ? "info" : (r <= t ? "PASS" : "MISS"))}'
}

rows=()
# row NAME SLIPWAY_LABEL PEER_LABEL TARGET adds a line to the table: medians and
# bests side by side. TARGET is the highest passing ratio slipway/peer, or "-".
row() {
	local name=$1 sm pm sb pb med best
	sm=$(stat_of "$2" median) pm=$(stat_of "$3" median) sb=$(stat_of "$2" best) pb=$(stat_of "$3" best)
	med=$(compare "$sm" "$pm" "$4") best=$(compare "$sb" "$pb" "$4")
	# shellcheck disable=SC2086 # $med and $best are "ratio verdict"
	rows+=("$(printf '%-42s %9.2f %8.2f %6s %-4s   %9.2f %8.2f %6s %-4s   %s' "$name" "$sm" "$pm" $med "$sb" "$pb" $best \
		"$([[ $4 == - ]] && echo - || echo "<=${4}x")")")
}

# rss_row NAME SLIPWAY_LABEL PEER_LABEL adds the highest peak RSS of each.
rss_row() {
	local name=$1 mib
	mib=$(stat_of "$2" peak)
	rows+=("$(printf '%-42s %9s %8s %6s %-4s   %9s %8s %6s %-4s   %s' "$name" "$mib MiB" "$(stat_of "$3" peak) MiB" "" \
		"$( ((mib <= 200)) && echo PASS || echo MISS)" "" "" "" "" "<=200 MiB")")
}

# --- setup ------------------------------------------------------------------------

registry_deps
log "building bin/slipway"
make --no-print-directory build >/dev/null
install_oras
make_model
if [[ ${SLIPWAY_BENCH_COLD:-1} == 0 ]]; then
	cache_state="WARM page cache (SLIPWAY_BENCH_COLD=0; both tools read cached files)"
elif [[ -w /proc/sys/vm/drop_caches ]] && (sync && echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
	cold=1
	cache_state="cold page cache (dropped before every run)"
else
	cache_state="WARM page cache (dropping it is not permitted here; both tools read cached files)"
fi
registry_up
reg=$SLIPWAY_TEST_REGISTRY
[[ ${SLIPWAY_BENCH_UPSTREAM:-0} == 0 ]] || upstream_up
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

if [[ ${SLIPWAY_BENCH_GO:-1} != 0 ]]; then
	# The packages under internal/ that have benchmarks: the same output as
	# ./internal/..., without compiling (or depending on) every other test binary.
	mapfile -t bench_pkgs < <(grep -rl --include='*_test.go' '^func Benchmark' internal | xargs -n1 dirname | sort -u | sed 's|^|./|')
	((${#bench_pkgs[@]} > 0)) || die "no Go benchmarks found under internal/"
	log "go test -run '^\$' -bench . -benchmem ${bench_pkgs[*]}"
	go test -run '^$' -bench . -benchmem "${bench_pkgs[@]}" | { grep -Ev '^(goos|goarch|cpu):|^(PASS|ok|\?)([ \t]|$)' || true; }
fi

log "timing $runs runs each, $cache_state"
for ((i = 1; i <= runs; i++)); do
	log "run $i of $runs"
	run=$work/$i
	mkdir -p "$run/pack" "$run/e2e"

	# Reference floors for 1 GiB: hashing it on one core, copying it.
	timed sha256sum "$model" sha256sum "${model_files[@]:0:2}"
	timed cp "$model" cp "${model_files[@]:0:2}" "$run/"
	rm -f "$run"/model-*

	# a. First pack into a fresh local store (the default oci:.slipway/<name> in
	# the working folder) with a cold hash cache, against oras writing the same
	# files into a fresh OCI layout.
	SLIPWAY_CACHE_DIR=$run/cache timed slipway-pack "$run/pack" "$slipway" pack "$model" --version "$version"
	timed oras-layout "$model" "$oras" push --oci-layout "$run/oras-layout:$version" --artifact-type "$artifact_type" \
		"${model_files[0]}:$weight_type" "${model_files[1]}:$weight_type" config.json README.md
	rm -rf "$run/oras-layout"

	# c. The same pack again: same store, warm hash cache, nothing changed.
	SLIPWAY_CACHE_DIR=$run/cache timed slipway-repack "$run/pack" "$slipway" pack "$model" --version "$version"
	grep -q '^unchanged ' "$work/slipway-repack.log" || die "the re-pack was not unchanged: $(cat "$work/slipway-repack.log")"

	# b. Push to the registry, each run into a new repository: Slipway from the
	# store it packed, oras from the model folder.
	timed slipway-push "$run/pack" "$slipway" push "oci:.slipway/bench-model:$version" "$reg/bench/slipway-$i:$version"
	timed oras-push "$model" "$oras" push --plain-http "$reg/bench/oras-$i:$version" --artifact-type "$artifact_type" \
		"${model_files[0]}:$weight_type" "${model_files[1]}:$weight_type" config.json README.md

	# Folder to registry in one command, both cold: pack --to stages in the local
	# store, then pushes.
	SLIPWAY_CACHE_DIR=$run/cache-e2e timed slipway-e2e "$run/e2e" "$slipway" pack "$model" --version "$version" --to "$reg/bench/e2e-$i"
	# The same with no local copy: each weight file is hashed on its way.
	mkdir -p "$run/direct"
	SLIPWAY_CACHE_DIR=$run/cache-direct timed slipway-direct "$run/direct" "$slipway" pack "$model" --version "$version" \
		--to "$reg/bench/direct-$i" --no-local

	if [[ -n $upstream ]]; then
		mkdir -p "$run/e2e-up" "$run/direct-up"
		timed oras-push-up "$model" "$oras" push --plain-http "$upstream/bench/oras-$i:$version" --artifact-type "$artifact_type" \
			"${model_files[0]}:$weight_type" "${model_files[1]}:$weight_type" config.json README.md
		SLIPWAY_CACHE_DIR=$run/cache-e2e-up timed slipway-e2e-up "$run/e2e-up" "$slipway" pack "$model" --version "$version" \
			--to "$upstream/bench/e2e-$i"
		SLIPWAY_CACHE_DIR=$run/cache-direct-up timed slipway-direct-up "$run/direct-up" "$slipway" pack "$model" --version "$version" \
			--to "$upstream/bench/direct-$i" --no-local
	fi
	rm -rf "$run"
done

row "a. pack, cold hash cache (vs oras layout)" slipway-pack oras-layout 0.5
row "b. push to registry (vs oras push)" slipway-push oras-push 0.8
row "c. re-pack unchanged (vs first pack)" slipway-repack slipway-pack 0.05
row "   pack --to registry (vs oras push)" slipway-e2e oras-push 0.8
row "   pack --to --no-local (vs oras push)" slipway-direct oras-push 0.8
if [[ -n $upstream ]]; then
	row "   upstream registry: pack --to" slipway-e2e-up oras-push-up 0.8
	row "   upstream registry: pack --to --no-local" slipway-direct-up oras-push-up 0.8
fi
rss_row "d. peak RSS of pack (vs oras layout)" slipway-pack oras-layout
rss_row "d. peak RSS of push (vs oras push)" slipway-push oras-push
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<EOF

Slipway $(git describe --tags --always --dirty 2>/dev/null || echo dev) vs oras $oras_version: 1 GiB model (2 x 512 MiB safetensors + config.json + README.md)
$(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(df -T "$bench_dir" | awk 'NR==2 {print $2}') at $bench_dir
$cache_state; load average $load_start at the start, $load_end at the end
ratio = slipway / peer; a target is the highest passing ratio; RSS is the highest of all runs

$(printf '%-42s %-29s   %-29s   %s' "" "---------- median of $runs ----------" "----------- best of $runs -----------" "")
$(printf '%-42s %9s %8s %6s %-4s   %9s %8s %6s %-4s   %s' operation "slipway s" "peer s" ratio "" "slipway s" "peer s" ratio "" target)
$(printf '%s\n' "${rows[@]}")

CPU seconds (user+sys, median), less sensitive than wall time to other work on the machine:
  pack: slipway $(stat_of slipway-pack cpu), oras $(stat_of oras-layout cpu); re-pack: slipway $(stat_of slipway-repack cpu)
  push: slipway $(stat_of slipway-push cpu) + registry $(stat_of slipway-push registry), oras $(stat_of oras-push cpu) + registry $(stat_of oras-push registry)
  pack --to registry: slipway $(stat_of slipway-e2e cpu) + registry $(stat_of slipway-e2e registry); with --no-local: slipway $(stat_of slipway-direct cpu) + registry $(stat_of slipway-direct registry)

reference for 1 GiB: sha256sum (coreutils, one core) $(stat_of sha256sum median) s median, $(stat_of sha256sum best) s best; cp $(stat_of cp median) s median, $(stat_of cp best) s best
EOF

# The other verbs' benchmarks, each against its own peer.
if [[ ${SLIPWAY_BENCH_ALL:-1} == 1 ]]; then
	for extra in scripts/bench_gate.sh scripts/bench_build.sh scripts/bench_promote.sh scripts/bench_drift.sh; do
		[[ -f $extra ]] || continue
		log "running $extra"
		bash "$extra"
	done
fi
