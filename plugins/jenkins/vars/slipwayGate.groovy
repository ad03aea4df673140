import io.slipway.jenkins.Cli

// slipwayGate checks a model against OPA policies, publishes the JUnit report,
// archives the reports and attests the verdict (slipway gate). See slipwayGate.txt.
//
//   def verdict = slipwayGate ref: model.reference, metrics: 'eval.json', data: 'thresholds.yaml'
//   echo verdict.decision  // pass, warn or fail
def call(Map args = [:]) {
    args = args ?: [:]
    Map spec = [
        ref             : [Cli.POSITIONAL],
        metrics         : [Cli.VALUE, '--metrics'],
        policy          : [Cli.LIST, '--policy'],
        data            : [Cli.LIST, '--data'],
        namespace       : [Cli.LIST, '--namespace'],
        baseline        : [Cli.VALUE, '--baseline'],
        baselineKey     : [Cli.VALUE, '--baseline-key'],
        insecureUnsigned: [Cli.FLAG, '--insecure-unsigned'],
        card            : [Cli.VALUE, '--card'],
        drift           : [Cli.VALUE, '--drift'],
        current         : [Cli.LIST, '--current'],
        key             : [Cli.VALUE, '--key'],
        report          : [Cli.LIST, '--report'],
        timeout         : [Cli.VALUE, '--timeout'],
        failOnWarn      : [Cli.FLAG, '--fail-on-warn'],
        noAttest        : [Cli.FLAG, '--no-attest'],
        keyless         : [Cli.FLAG, '--keyless'],
        pushgateway     : [Cli.VALUE, '--pushgateway'],
        metricsFile     : [Cli.VALUE, '--metrics-file'],
        propagate       : [Cli.STEP, 'false: return the refused verdict instead of failing the build'],
    ]
    Map given = new LinkedHashMap(args)
    // Every report of this call goes to its own folder: gates running in
    // parallel in one workspace never overwrite each other's files.
    String dir = Cli.outputDir('gate')
    List reports = given.report == null ? [] : (given.report instanceof Collection ? new ArrayList(given.report) : [given.report])
    // The JUnit report for the junit step, SARIF for warnings-ng and the
    // markdown one to archive.
    reports << "junit=${dir}/slipway-gate.xml".toString() << "sarif=${dir}/slipway-gate.sarif".toString() << "markdown=${dir}/slipway-gate.md".toString()
    given.report = reports
    List run = Cli.run(this, 'slipwayGate', 'gate', spec, given, ['ref', 'metrics'], dir)
    int status = run[0]
    Map verdict = run[1]
    Map model = verdict.model instanceof Map ? verdict.model : [:]
    verdict.reference = model.reference
    verdict.digest = model.digest
    verdict.version = model.version
    verdict.report = "${dir}/slipway-gate.md".toString()
    verdict.junit = "${dir}/slipway-gate.xml".toString()
    verdict.sarif = "${dir}/slipway-gate.sarif".toString()
    junit(testResults: verdict.junit, allowEmptyResults: true)
    recordSarif(dir, model.name ?: args.ref)
    archiveArtifacts(artifacts: "${dir}/**".toString(), allowEmptyArchive: true)
    if (status == 4) {
        unstable("slipwayGate: ${model.name ?: args.ref} passed with warnings (--fail-on-warn); see ${verdict.report}")
    } else if (status == 1 && args.propagate != false) {
        error("slipwayGate: the gate refused ${model.reference ?: args.ref}; see ${verdict.report} and the test results")
    }
    return verdict
}

// recordSarif hands the SARIF report to the Warnings Next Generation plugin
// (recordIssues) when it is installed; without it there is no such step, and
// the report is only archived.
def recordSarif(String dir, def model) {
    try {
        recordIssues(enabledForFailure: true, skipPublishingChecks: true,
                tool: sarif(pattern: "${dir}/slipway-gate.sarif".toString(), id: "slipway-${dir.tokenize('/').last()}".toString(),
                        name: "Slipway gate: ${model}".toString()))
    } catch (Throwable e) {
        // No such DSL method (Jenkins) or no such method (plain Groovy).
        if (!(e instanceof NoSuchMethodError) && !(e instanceof MissingMethodException)) {
            throw e
        }
        echo('slipwayGate: the Warnings Next Generation plugin is not installed: the SARIF report is archived only')
    }
}
