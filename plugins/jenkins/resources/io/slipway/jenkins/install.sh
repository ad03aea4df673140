# install.sh is the fixed script withSlipway runs on the agent (sh: Linux or
# macOS) to install a slipway release; it takes everything from the
# environment, never from its own text:
#
#   SLIPWAY_VERSION         the release, vX.Y.Z
#   SLIPWAY_PINNED_SUMS     the SHA256SUMS this library pins for it (empty for
#                           a release the library does not pin: that
#                           release's own SHA256SUMS is used, with a note)
#   SLIPWAY_RELEASE_URL     where release assets live (…/releases/download)
#   SLIPWAY_INSTALL_CACHE   cache folder (default ~/.cache/slipway-jenkins)
#
# It prints the folder holding the verified binary as its last line.
set -eu
fail() {
	echo "withSlipway: $*" >&2
	exit 1
}
sha() { # the sha256 of file $1
	if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -c1-64
}
sum_of() { # the sum listed for $asset in the SHA256SUMS text on stdin
	awk -v a="$asset" '$2 == a || $2 == "*" a { print $1; exit }'
}
case "$(uname -s)" in
Linux) os=linux ;;
Darwin) os=darwin ;;
*) fail "unsupported agent OS $(uname -s): use a Linux or macOS agent, or put slipway on PATH yourself" ;;
esac
case "$(uname -m)" in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) fail "unsupported agent architecture $(uname -m)" ;;
esac
asset=slipway-$os-$arch
base=${SLIPWAY_RELEASE_URL%/}/$SLIPWAY_VERSION
command -v curl >/dev/null 2>&1 || fail "curl is not on the agent's PATH"

if [ -n "$SLIPWAY_PINNED_SUMS" ]; then
	want=$(printf '%s\n' "$SLIPWAY_PINNED_SUMS" | sum_of)
	[ -n "$want" ] || fail "the SHA256SUMS this library pins for $SLIPWAY_VERSION has no $asset"
	from="the SHA256SUMS pinned in the library"
else
	want=$(curl -fsSL --retry 3 "$base/SHA256SUMS" | sum_of) || fail "downloading $base/SHA256SUMS failed"
	[ -n "$want" ] || fail "release $SLIPWAY_VERSION has no $asset in its SHA256SUMS"
	from="the release's own SHA256SUMS ($SLIPWAY_VERSION is not the release this library pins)"
fi

dir=${SLIPWAY_INSTALL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slipway-jenkins}/$SLIPWAY_VERSION/$os-$arch
bin=$dir/slipway
if [ -x "$bin" ] && [ "$(sha "$bin")" = "$want" ]; then
	echo "withSlipway: slipway $SLIPWAY_VERSION cached in $dir (verified against $from)" >&2
	printf '%s\n' "$dir"
	exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp "$dir/.slipway.XXXXXX")
curl -fsSL --retry 3 -o "$tmp" "$base/$asset" || {
	rm -f "$tmp"
	fail "downloading $base/$asset failed"
}
got=$(sha "$tmp")
if [ "$got" != "$want" ]; then
	rm -f "$tmp"
	fail "checksum mismatch for $asset of $SLIPWAY_VERSION: $from says $want, downloaded $got; refusing to install it"
fi
chmod +x "$tmp"
mv -f "$tmp" "$bin" # atomic: a parallel branch sees the old binary or the new one
echo "withSlipway: installed $asset of $SLIPWAY_VERSION (sha256 $got, verified against $from)" >&2
printf '%s\n' "$dir"
