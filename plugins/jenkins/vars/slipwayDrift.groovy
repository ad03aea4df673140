import io.slipway.jenkins.Cli

// slipwayDrift compares current data with the model's training data, and the
// model's predictions and performance with its gate metrics, then archives
// the reports (slipway drift). See slipwayDrift.txt.
//
//   def result = slipwayDrift reference: model.reference, current: 'today.csv'
//   echo "drifted: ${result.dataset_drift}"
def call(Map args = [:]) {
    args = args ?: [:]
    Map spec = [
        reference       : [Cli.VALUE, '--reference'],
        current         : [Cli.LIST, '--current'],
        referenceFile   : [Cli.VALUE, '--reference-file'],
        columns         : [Cli.LIST, '--columns'],
        ignore          : [Cli.LIST, '--ignore'],
        categorical     : [Cli.LIST, '--categorical'],
        prediction      : [Cli.VALUE, '--prediction'],
        target          : [Cli.VALUE, '--target'],
        task            : [Cli.VALUE, '--task'],
        baselineMetrics : [Cli.VALUE, '--baseline-metrics'],
        baselineKey     : [Cli.VALUE, '--baseline-key'],
        insecureUnsigned: [Cli.FLAG, '--insecure-unsigned'],
        psi             : [Cli.VALUE, '--psi'],
        alpha           : [Cli.VALUE, '--alpha'],
        share           : [Cli.VALUE, '--share'],
        degradation     : [Cli.VALUE, '--degradation'],
        report          : [Cli.LIST, '--report'],
        pushgateway     : [Cli.VALUE, '--pushgateway'],
        metricsFile     : [Cli.VALUE, '--metrics-file'],
        propagate       : [Cli.STEP, 'false: return the result of a drift instead of failing the build'],
    ]
    Map given = new LinkedHashMap(args)
    List reports = given.report == null ? [] : (given.report instanceof Collection ? new ArrayList(given.report) : [given.report])
    // The markdown and HTML reports to archive.
    reports << 'markdown=slipway-drift.md' << 'html=slipway-drift.html'
    given.report = reports
    List run = Cli.run(this, 'slipwayDrift', 'drift', spec, given, ['reference', 'current'])
    int status = run[0]
    Map result = run[1]
    result.report = 'slipway-drift.md'
    archiveArtifacts(artifacts: 'slipway-drift.md,slipway-drift.html,slipway-drift.json', allowEmptyArchive: true)
    if (status == 1 && args.propagate != false) {
        error("slipwayDrift: ${args.reference} drifted; see slipway-drift.html")
    }
    return result
}
