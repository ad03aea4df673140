import io.slipway.jenkins.Cli

// slipwayPack versions a model folder as a reproducible ModelPack OCI artifact
// and writes slipway.lock (slipway pack). See slipwayPack.txt.
//
//   def model = slipwayPack dir: 'model', version: '1.4.0', to: 'registry.example.com/ml/iris'
//   echo model.reference   // REF@sha256:…
def call(Map args = [:]) {
    args = args ?: [:]
    Map spec = [
        dir      : [Cli.POSITIONAL],
        name     : [Cli.VALUE, '--name'],
        version  : [Cli.VALUE, '--version'],
        bump     : [Cli.VALUE, '--bump'],
        to       : [Cli.VALUE, '--to'],
        lock     : [Cli.VALUE, '--lock'],
        dataset  : [Cli.LIST, '--dataset'],
        noCache  : [Cli.FLAG, '--no-cache'],
        noLocal  : [Cli.FLAG, '--no-local'],
        mountFrom: [Cli.LIST, '--mount-from'],
    ]
    Map given = new LinkedHashMap(args)
    if (given.dir == null) {
        given.dir = '.'
    }
    Map result = Cli.run(this, 'slipwayPack', 'pack', spec, given)[1]
    if (result.exitCode != 0) {
        error("slipwayPack: slipway pack refused the model (exit ${result.exitCode}): a version that exists with other bytes")
    }
    archiveArtifacts(artifacts: result.lock ?: 'slipway.lock', allowEmptyArchive: true)
    return result
}
