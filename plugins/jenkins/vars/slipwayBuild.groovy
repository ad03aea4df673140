import io.slipway.jenkins.Cli

// slipwayBuild builds a reproducible serving image with the model inside, with
// no Docker daemon (slipway build). See slipwayBuild.txt.
//
//   def image = slipwayBuild model: model.reference, base: 'python:3.12-slim', to: 'registry.example.com/ml/iris-server'
//   echo image.digest
//   echo image.reference   // REF@sha256:…
def call(Map args = [:]) {
    args = args ?: [:]
    Map spec = [
        model     : [Cli.POSITIONAL],
        base      : [Cli.VALUE, '--base'],
        to        : [Cli.VALUE, '--to'],
        tag       : [Cli.LIST, '--tag'],
        modelDir  : [Cli.VALUE, '--model-dir'],
        entrypoint: [Cli.LIST, '--entrypoint'],
        cmd       : [Cli.LIST, '--cmd'],
        env       : [Cli.LIST, '--env'],
        add       : [Cli.LIST, '--add'],
        port      : [Cli.LIST, '--port'],
        label     : [Cli.LIST, '--label'],
        annotation: [Cli.LIST, '--annotation'],
        user      : [Cli.VALUE, '--user'],
        workdir   : [Cli.VALUE, '--workdir'],
        platform  : [Cli.VALUE, '--platform'],
        sbom      : [Cli.VALUE, '--sbom'],
        mountFrom : [Cli.LIST, '--mount-from'],
        noCache   : [Cli.FLAG, '--no-cache'],
    ]
    Map result = Cli.run(this, 'slipwayBuild', 'build', spec, args, ['model', 'base'])[1]
    if (result.exitCode != 0) {
        error("slipwayBuild: slipway build refused ${args.model} (exit ${result.exitCode}): a version tag that names other bytes")
    }
    return result
}
