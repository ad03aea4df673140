#!/usr/bin/env bash
# bench_build.sh measures `slipway build` against the peer way of putting a
# model into an image without a Docker engine, `tar` + `crane append`, on a
# generated 1 GiB model, and an unchanged rebuild. It prints seconds, the
# ratio, the bytes a rebuild uploads and the peak RSS, against the targets
# (<= 1.0x the peer, < 1 MiB uploaded by an unchanged rebuild, <= 200 MiB RSS).
# docs/build.md records its results.
#
#   scripts/bench_build.sh
#
# It builds slipway, installs crane (once), generates the model (once),
# starts the local registry (scripts/registry.sh) with a counting proxy in
# front of it (the bytes of every request body that reaches the registry),
# then times each command SLIPWAY_BENCH_RUNS times (default 3), Slipway and
# crane taking turns, and reports the median. Every run writes into new
# repositories with a cold layer and hash cache. The page cache is dropped
# before each run where the kernel allows it (root), as in scripts/bench.sh.
#
# Two peers are timed: `tar -cf layer.tar` then `crane append -f layer.tar`
# (crane gzips the file twice: once for the digest, once to upload), and
# `tar -c | crane append -f -` (one streaming gzip); the ratio is against the
# faster. A target missed is reported (MISS), not failed. Knobs:
#   SLIPWAY_BENCH_DIR   scratch folder (/tmp/slipway-bench-build)
#   SLIPWAY_BENCH_RUNS  runs per measurement (3)
#   SLIPWAY_BENCH_COLD=0  keep the page cache (warm runs)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
# shellcheck source=scripts/registry.sh
source scripts/registry.sh

bench_dir=${SLIPWAY_BENCH_DIR:-/tmp/slipway-bench-build}
runs=${SLIPWAY_BENCH_RUNS:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "SLIPWAY_BENCH_RUNS=$runs: want a positive number"
crane_version=v0.22.1
model=$bench_dir/model
slipway=$bench_dir/bin/slipway
crane=$bench_dir/bin/crane
REGISTRY_PACKAGES+=(time:/usr/bin/time)

work="" proxy_pid=""
cleanup() {
	[[ -z $proxy_pid ]] || kill "$proxy_pid" 2>/dev/null || true
	registry_down
	[[ -z $work ]] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v go >/dev/null 2>&1 || die "go not found on PATH (Slipway needs the Go version in go.mod)"
mkdir -p "$bench_dir/bin"
work=$(mktemp -d "$bench_dir/run.XXXXXX")

make_model() {
	[[ -f $bench_dir/model.done ]] && return 0
	log "generating a 1 GiB model in $model"
	rm -rf "$model" "$model.tmp"
	mkdir -p "$model.tmp"
	head -c 512M /dev/urandom >"$model.tmp/model-00001-of-00002.safetensors"
	head -c 512M /dev/urandom >"$model.tmp/model-00002-of-00002.safetensors"
	echo '{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}' >"$model.tmp/config.json"
	printf -- '---\nname: bench-model\n---\n# bench-model\n' >"$model.tmp/README.md"
	# Back-dated, so the hash cache trusts the files (see scripts/bench.sh).
	touch -d '1 minute ago' "$model.tmp"/*
	mv "$model.tmp" "$model"
	touch "$bench_dir/model.done"
}

install_crane() {
	if [[ -x $crane ]] && "$crane" version 2>/dev/null | grep -qx "${crane_version#v}"; then
		return 0
	fi
	log "installing crane $crane_version into $bench_dir/bin"
	GOBIN=$bench_dir/bin go install "github.com/google/go-containerregistry/cmd/crane@$crane_version" ||
		die "go install crane@$crane_version failed"
}

# start_proxy starts a reverse proxy on port $1 in front of the registry on
# $2 that adds the size of every request body it forwards to the file $3.
start_proxy() {
	mkdir -p "$work/proxy"
	cat >"$work/proxy/main.go" <<-'EOF'
		package main

		import (
			"io"
			"net/http"
			"net/http/httputil"
			"net/url"
			"os"
			"strconv"
			"sync/atomic"
		)

		type counter struct {
			r io.ReadCloser
			n *atomic.Int64
		}

		func (c counter) Read(p []byte) (int, error) { n, err := c.r.Read(p); c.n.Add(int64(n)); return n, err }
		func (c counter) Close() error               { return c.r.Close() }

		func main() {
			target, _ := url.Parse("http://" + os.Args[2])
			var total atomic.Int64
			proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Host = pr.In.Host // upload locations come back through the proxy
			}}
			http.ListenAndServe("127.0.0.1:"+os.Args[1], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Body != nil {
					r.Body = counter{r.Body, &total}
				}
				proxy.ServeHTTP(w, r)
				os.WriteFile(os.Args[3], []byte(strconv.FormatInt(total.Load(), 10)), 0o644)
			}))
		}
	EOF
	(cd "$work/proxy" && go build -o countproxy main.go) || die "building the counting proxy failed"
	echo 0 >"$3"
	"$work/proxy/countproxy" "$1" "$2" "$3" &
	proxy_pid=$!
	local deadline=$((SECONDS + 10))
	until curl -s -o /dev/null "http://127.0.0.1:$1/v2/"; do
		((SECONDS < deadline)) || die "the counting proxy did not start"
		sleep 0.1
	done
}

cold=0
settle() {
	sync
	if ((cold)); then
		echo 3 >/proc/sys/vm/drop_caches
	fi
}

# timed LABEL DIR CMD... runs CMD in DIR after settle and appends
# "seconds peak-KiB uploaded-bytes" to $work/LABEL.
timed() {
	local label=$1 dir=$2
	shift 2
	settle
	local before after
	before=$(cat "$work/uploaded")
	if ! (cd "$dir" && /usr/bin/time -f '%e %M' -o "$work/time.out" "$@") >"$work/$label.log" 2>&1; then
		cat "$work/$label.log" >&2
		die "$label: $* failed (in $dir)"
	fi
	after=$(cat "$work/uploaded")
	local secs kib
	read -r secs kib <"$work/time.out"
	echo "$secs $kib $((after - before))" >>"$work/$label"
	printf '  %-20s %6.2f s %8d KiB %12d bytes uploaded\n' "$label" "$secs" "$kib" "$((after - before))" >&2
}

# median LABEL COLUMN prints the median of a column of LABEL's runs; peak
# prints the highest.
median() { awk -v c="$2" '{print $c}' "$work/$1" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
peak() { awk -v c="$2" '$c>m{m=$c} END {print m+0}' "$work/$1"; }
verdict() { awk -v ok="$1" 'BEGIN {print (ok ? "PASS" : "MISS")}'; }

# --- setup ------------------------------------------------------------------------

registry_deps
log "building $slipway"
CGO_ENABLED=0 go build -trimpath -o "$slipway" ./cmd/slipway
install_crane
make_model
if [[ ${SLIPWAY_BENCH_COLD:-1} != 0 && -w /proc/sys/vm/drop_caches ]] && (sync && echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
	cold=1 cache_state="cold page cache (dropped before every run)"
else
	cache_state="WARM page cache (dropping it is not permitted here, or SLIPWAY_BENCH_COLD=0)"
fi
registry_up
reg=$SLIPWAY_TEST_REGISTRY
proxy_port=$(pick_port "" 5100 "${reg##*:}")
start_proxy "$proxy_port" "$reg" "$work/uploaded"
via=127.0.0.1:$proxy_port

# The base: busybox when there is one (the tests install busybox-static), in one layer.
mkdir -p "$work/base/bin"
cp "$(command -v busybox || echo /bin/true)" "$work/base/bin/"
tar -C "$work/base" -cf "$work/base.tar" bin
"$crane" append --oci-empty-base -f "$work/base.tar" -t "$reg/bench/base:1" >/dev/null 2>&1 || die "pushing the base with crane failed"
base=$via/bench/base:1
export SOURCE_DATE_EPOCH=0 NO_COLOR=1
# The peer's layer: the model at /models/bench-model, as slipway puts it.
peer_tar=(tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$model" --transform 's,^\.,models/bench-model,')

log "timing $runs runs each, $cache_state"
for ((i = 1; i <= runs; i++)); do
	log "run $i of $runs"
	run=$work/$i
	mkdir -p "$run/slipway"

	SLIPWAY_CACHE_DIR=$run/cache timed slipway "$run/slipway" "$slipway" build "$model" --base "$base" --to "$via/bench/slipway-$i"
	timed crane-file "$run" bash -c "${peer_tar[*]@Q} -cf layer.tar . && ${crane@Q} append -b ${base@Q} -f layer.tar -t ${via@Q}/bench/crane-file-$i:latest"
	rm -f "$run/layer.tar"
	timed crane-pipe "$run" bash -c "${peer_tar[*]@Q} -cf - . | ${crane@Q} append -b ${base@Q} -f - -t ${via@Q}/bench/crane-pipe-$i:latest"

	# The same build again (warm caches): nothing of the model goes up.
	SLIPWAY_CACHE_DIR=$run/cache timed slipway-rebuild "$run/slipway" "$slipway" build "$model" --base "$base" --to "$via/bench/slipway-$i"
	grep -q '^unchanged ' "$work/slipway-rebuild.log" || die "the rebuild was not unchanged: $(cat "$work/slipway-rebuild.log")"
	# New serving config, same model: a new config, manifest and SBOM only.
	SLIPWAY_CACHE_DIR=$run/cache timed slipway-new-env "$run/slipway" "$slipway" build "$model" --base "$base" --to "$via/bench/slipway-$i" --env "RUN=$i"
	# The same model into another repository of the registry: its layers are
	# mounted from the repository the layer cache remembers, not uploaded.
	SLIPWAY_CACHE_DIR=$run/cache timed slipway-new-repo "$run/slipway" "$slipway" build "$model" --base "$base" --to "$via/bench/slipway-other-$i"
	rm -rf "$run"
done

s=$(median slipway 1) pf=$(median crane-file 1) pp=$(median crane-pipe 1)
peer=$(awk -v a="$pf" -v b="$pp" 'BEGIN {print (a < b ? a : b)}')
ratio=$(awk -v a="$s" -v b="$peer" 'BEGIN {printf "%.2f", a/b}')
rebuild_up=$(peak slipway-rebuild 3) env_up=$(peak slipway-new-env 3) repo_up=$(peak slipway-new-repo 3)
rss=$(awk -v k="$(peak slipway 2)" 'BEGIN {printf "%.0f", k/1024}')
rss_rebuild=$(awk -v k="$(peak slipway-rebuild 2)" 'BEGIN {printf "%.0f", k/1024}')

cat <<EOF

slipway build $(git describe --tags --always --dirty 2>/dev/null || echo dev) vs tar + crane append $crane_version: 1 GiB model (2 x 512 MiB safetensors + config.json + README.md)
$(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; $cache_state; median of $runs runs

  folder to registry, slipway build            $(printf '%7.2f' "$s") s   (peak RSS $rss MiB, uploaded $(median slipway 3) bytes)
  peer: tar -cf layer.tar + crane append -f    $(printf '%7.2f' "$pf") s   (peak RSS $(awk -v k="$(peak crane-file 2)" 'BEGIN {printf "%.0f", k/1024}') MiB)
  peer: tar -c | crane append -f -             $(printf '%7.2f' "$pp") s   (peak RSS $(awk -v k="$(peak crane-pipe 2)" 'BEGIN {printf "%.0f", k/1024}') MiB)
  unchanged rebuild                            $(printf '%7.2f' "$(median slipway-rebuild 1)") s   (peak RSS $rss_rebuild MiB)
  rebuild with a new --env                     $(printf '%7.2f' "$(median slipway-new-env 1)") s

  ratio slipway / faster peer          ${ratio}x   target <= 1.0x     $(verdict "$(awk -v r="$ratio" 'BEGIN {print (r <= 1.0)}')")
  bytes uploaded, unchanged rebuild    $rebuild_up   target < 1 MiB     $(verdict "$((rebuild_up < 1048576))")
  bytes uploaded, new --env rebuild    $env_up   (config, manifest, SBOM)
  bytes uploaded, into another repo    $repo_up   target < 1 MiB     $(verdict "$((repo_up < 1048576))")
  peak RSS of a build                  $rss MiB   target <= 200 MiB  $(verdict "$((rss <= 200))")
EOF
