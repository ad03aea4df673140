// withSlipway installs a slipway release on the agent — downloaded from the
// release, verified against the SHA256SUMS this library pins for it — and
// runs the body with it first on PATH. See withSlipway.txt.
//
//   withSlipway {                          // the release this library version pins
//       slipwayGate ref: model.reference, metrics: 'eval.json'
//   }
//   withSlipway(version: 'v1.2.3') { … }   // another release
def call(Map args = [:], Closure body) {
    args = args ?: [:]
    List known = ['version', 'releaseUrl']
    List unknown = args.keySet().findAll { !(it in known) }.sort()
    if (unknown) {
        error("withSlipway: unknown key ${unknown.collect { "'${it}'" }.join(', ')} (known: ${known.join(', ')})")
    }
    String pinned = pinnedResource('VERSION')
    String version = args.version ? args.version.toString() : pinned
    if (!version) {
        error("withSlipway: this copy of the library pins no release (no resources/io/slipway/jenkins/VERSION; load a release tag of the library): pass version: 'vX.Y.Z'")
    }
    if (!(version ==~ /v\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?/)) {
        error("withSlipway: version must be a release, vX.Y.Z, got '${version}'")
    }
    // The sums come from the library itself (its pinned tree), never from
    // the release they check.
    String sums = version == pinned ? pinnedResource('SHA256SUMS') : ''
    String url = args.releaseUrl ? args.releaseUrl.toString() : 'https://github.com/slipwayhq/slipway/releases/download'
    String script = libraryResource('io/slipway/jenkins/install.sh')
    String dir
    withEnv(["SLIPWAY_VERSION=${version}", "SLIPWAY_PINNED_SUMS=${sums}", "SLIPWAY_RELEASE_URL=${url}"]) {
        dir = sh(script: script, returnStdout: true, label: "install slipway ${version}").trim().readLines().last()
    }
    withEnv(["PATH+SLIPWAY=${dir}"]) {
        return body()
    }
}

// pinnedResource returns a file the release pinned in the library
// (scripts/release-pin.sh), trimmed, or '' when there is none.
def pinnedResource(String name) {
    try {
        return libraryResource("io/slipway/jenkins/${name}").trim()
    } catch (Exception ignored) {
        return ''
    }
}
