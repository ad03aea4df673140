#!/usr/bin/env bash
# registry.sh starts and stops the two local Distribution registries that Slipway's
# tests, benchmarks and examples push to: an open one and one with htpasswd auth.
#
# As a library (scripts/test.sh, scripts/bench.sh, scripts/example.sh):
#
#   source scripts/registry.sh
#   trap registry_down EXIT
#   registry_deps    # apt-get install whatever is missing
#   registry_up      # start both, export SLIPWAY_TEST_* for the tests
#
# Run directly, it starts both registries, prints the variables to export and
# serves until interrupted:  scripts/registry.sh
#
# Ports come from SLIPWAY_TEST_PORT (default 5000) and SLIPWAY_TEST_AUTH_PORT
# (default 5001). A port set explicitly must be free; a default one that is taken
# (say, by Debian's own docker-registry service) is replaced by the next free one.
# SLIPWAY_TEST_KEEP=1 keeps the scratch directory (data, configs, logs) for a post-mortem.

# Debian packages the tests need, with a command that shows each one is there:
# the registry, skopeo and umoci to read what was pushed, and podman with runc
# and a static busybox (for a minimal base image) to run a built image.
REGISTRY_PACKAGES=(docker-registry:docker-registry apache2-utils:htpasswd skopeo:skopeo umoci:umoci curl:curl
	podman:podman runc:runc busybox-static:/bin/busybox)

REGISTRY_SCRATCH=""
REGISTRY_PIDS=()

log() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# registry_deps installs the packages that are missing, running apt-get update
# only when something is.
registry_deps() {
	local entry pkg cmd missing=()
	for entry in "${REGISTRY_PACKAGES[@]}"; do
		pkg=${entry%%:*} cmd=${entry#*:}
		if ! command -v "$cmd" >/dev/null 2>&1 ||
			! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
			missing+=("$pkg")
		fi
	done
	((${#missing[@]} == 0)) && return 0

	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${missing[*]}"
		sudo=(sudo)
	fi
	log "installing ${missing[*]}"
	# apt's chatter (debconf, invoke-rc.d) is only worth reading when it fails.
	local aptlog
	aptlog=$(mktemp "${TMPDIR:-/tmp}/slipway-apt.XXXXXX")
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq update >"$aptlog" 2>&1 ||
		! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
			apt-get -qq -o=Dpkg::Use-Pty=0 install -y "${missing[@]}" >>"$aptlog" 2>&1; then
		cat "$aptlog" >&2
		rm -f "$aptlog"
		die "installing ${missing[*]} failed"
	fi
	rm -f "$aptlog"
}

# port_taken reports whether something accepts connections on 127.0.0.1:$1.
port_taken() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pick_port prints the port to use: $1 if set explicitly (and free), else the
# default $2 or the next free port after it, skipping any in $3.
pick_port() {
	local explicit=$1 port=$2 avoid=${3:-}
	if [[ -n $explicit ]]; then
		[[ $explicit =~ ^[0-9]+$ ]] || die "port '$explicit' is not a number"
		port_taken "$explicit" && die "port $explicit is already in use (by something other than this run); free it or pick another"
		echo "$explicit"
		return
	fi
	local want=$port last=$((port + 100))
	while ((port < last)); do
		if [[ $port != "$avoid" ]] && ! port_taken "$port"; then
			((port == want)) || log "port $want is not free; using $port"
			echo "$port"
			return
		fi
		port=$((port + 1))
	done
	die "no free port in $want-$((last - 1))"
}

# write_config writes a registry config for $1 (name) on port $2, with the
# extra YAML in $3 (the auth section), and prints its path.
write_config() {
	local name=$1 port=$2 extra=${3:-} dir=$REGISTRY_SCRATCH/$1
	mkdir -p "$dir/data"
	cat >"$dir/config.yml" <<EOF
version: 0.1
log: {level: info, formatter: text}
storage:
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
  secret: $(random_hex 16)
$extra
EOF
	echo "$dir/config.yml"
}

random_hex() {
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# start_registry starts $1 (name) from config $2 and waits until /v2/ on port $3
# answers $4 (an HTTP status), passing any further arguments to curl.
start_registry() {
	local name=$1 config=$2 port=$3 want=$4
	shift 4
	local logfile=$REGISTRY_SCRATCH/$name/registry.log
	docker-registry serve "$config" >"$logfile" 2>&1 </dev/null &
	local pid=$!
	REGISTRY_PIDS+=("$pid")

	local status deadline=$((SECONDS + 15))
	while :; do
		status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$@" "http://127.0.0.1:$port/v2/" || true)
		[[ $status == "$want" ]] && break
		if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
			local why="exited"
			kill -0 "$pid" 2>/dev/null && why="not ready after 15s (last /v2/ status: ${status:-none})"
			printf '%s registry %s; its log (%s):\n' "$name" "$why" "$logfile" >&2
			cat "$logfile" >&2
			exit 1
		fi
		sleep 0.1
	done
	log "$name registry up on 127.0.0.1:$port (pid $pid)"
}

# registry_up starts both registries in a fresh scratch directory and exports
# SLIPWAY_TEST_REGISTRY, SLIPWAY_TEST_AUTH_REGISTRY, SLIPWAY_TEST_AUTH_USER,
# SLIPWAY_TEST_AUTH_PASSWORD and SLIPWAY_INTEGRATION=1.
registry_up() {
	command -v docker-registry >/dev/null 2>&1 || die "docker-registry not found; run registry_deps first"
	REGISTRY_SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/slipway-registry.XXXXXX")

	local open_port auth_port user=slipway password
	open_port=$(pick_port "${SLIPWAY_TEST_PORT:-}" 5000) || exit 1
	auth_port=$(pick_port "${SLIPWAY_TEST_AUTH_PORT:-}" 5001 "$open_port") || exit 1
	[[ $open_port != "$auth_port" ]] || die "SLIPWAY_TEST_PORT and SLIPWAY_TEST_AUTH_PORT are both $open_port"
	password=$(random_hex 16)

	local config
	config=$(write_config open "$open_port") || exit 1
	start_registry open "$config" "$open_port" 200

	mkdir -p "$REGISTRY_SCRATCH/auth"
	htpasswd -Bbn "$user" "$password" >"$REGISTRY_SCRATCH/auth/htpasswd" 2>/dev/null
	config=$(write_config auth "$auth_port" \
		"auth: {htpasswd: {realm: slipway-test, path: $REGISTRY_SCRATCH/auth/htpasswd}}") || exit 1
	start_registry auth "$config" "$auth_port" 200 -u "$user:$password"
	local anon
	anon=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$auth_port/v2/" || true)
	[[ $anon == 401 ]] || die "auth registry answered $anon, not 401, without credentials"

	export SLIPWAY_TEST_REGISTRY=127.0.0.1:$open_port
	export SLIPWAY_TEST_AUTH_REGISTRY=127.0.0.1:$auth_port
	export SLIPWAY_TEST_AUTH_USER=$user
	export SLIPWAY_TEST_AUTH_PASSWORD=$password
	export SLIPWAY_INTEGRATION=1
}

# registry_down stops the registries this shell started and removes the scratch
# directory. It is safe to call more than once.
registry_down() {
	local pid
	for pid in "${REGISTRY_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${REGISTRY_PIDS[@]}"; do
		# Give each a moment to exit cleanly, then make sure.
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	REGISTRY_PIDS=()
	if [[ -n $REGISTRY_SCRATCH ]]; then
		if [[ ${SLIPWAY_TEST_KEEP:-} == 1 ]]; then
			log "kept $REGISTRY_SCRATCH"
		else
			rm -rf "$REGISTRY_SCRATCH"
		fi
		REGISTRY_SCRATCH=""
	fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	trap registry_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	registry_deps
	registry_up
	cat <<EOF
export SLIPWAY_TEST_REGISTRY=$SLIPWAY_TEST_REGISTRY
export SLIPWAY_TEST_AUTH_REGISTRY=$SLIPWAY_TEST_AUTH_REGISTRY
export SLIPWAY_TEST_AUTH_USER=$SLIPWAY_TEST_AUTH_USER
export SLIPWAY_TEST_AUTH_PASSWORD=$SLIPWAY_TEST_AUTH_PASSWORD
export SLIPWAY_INTEGRATION=1
EOF
	log "registries serving until interrupted (Ctrl-C)"
	wait
fi
