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
        propagate       : [Cli.STEP, 'false: return the refused verdict instead of failing the build'],
    ]
    Map given = new LinkedHashMap(args)
    List reports = given.report == null ? [] : (given.report instanceof Collection ? new ArrayList(given.report) : [given.report])
    // The JUnit report for the junit step and the markdown one to archive.
    reports << 'junit=slipway-gate.xml' << 'markdown=slipway-gate.md'
    given.report = reports
    List run = Cli.run(this, 'slipwayGate', 'gate', spec, given, ['ref', 'metrics'])
    int status = run[0]
    Map verdict = run[1]
    Map model = verdict.model instanceof Map ? verdict.model : [:]
    verdict.reference = model.reference
    verdict.digest = model.digest
    verdict.version = model.version
    verdict.report = 'slipway-gate.md'
    junit(testResults: 'slipway-gate.xml', allowEmptyResults: true)
    archiveArtifacts(artifacts: 'slipway-gate.md,slipway-gate.xml,slipway-report.md,slipway-outputs.json', allowEmptyArchive: true)
    if (status == 4) {
        unstable("slipwayGate: ${model.name ?: args.ref} passed with warnings (--fail-on-warn); see slipway-gate.md")
    } else if (status == 1 && args.propagate != false) {
        error("slipwayGate: the gate refused ${model.reference ?: args.ref}; see slipway-gate.md and the test results")
    }
    return verdict
}
