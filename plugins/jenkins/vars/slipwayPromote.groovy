import io.slipway.jenkins.Cli

// slipwayPromote promotes an exact digest to an environment, keeping a
// promotion record (slipway promote). See slipwayPromote.txt.
//
//   def p = slipwayPromote ref: image.reference, env: 'staging'
//   echo "was ${p.previous}"
def call(Map args = [:]) {
    args = args ?: [:]
    Map spec = [
        ref              : [Cli.POSITIONAL],
        env              : [Cli.VALUE, '--env'],
        to               : [Cli.VALUE, '--to'],
        key              : [Cli.VALUE, '--key'],
        config           : [Cli.VALUE, '--config'],
        force            : [Cli.FLAG, '--force'],
        reason           : [Cli.VALUE, '--reason'],
        prometheus       : [Cli.VALUE, '--prometheus'],
        analysis         : [Cli.VALUE, '--analysis'],
        rollbackOnFailure: [Cli.FLAG, '--rollback-on-failure'],
        pushgateway      : [Cli.VALUE, '--pushgateway'],
        metricsFile      : [Cli.VALUE, '--metrics-file'],
        propagate        : [Cli.STEP, 'false: return a refused promotion instead of failing the build'],
    ]
    Map result = Cli.run(this, 'slipwayPromote', 'promote', spec, args, ['ref', 'env'])[1]
    archiveArtifacts(artifacts: "${result.outputDir}/**".toString(), allowEmptyArchive: true)
    if (result.exitCode == 1 && args.propagate != false) {
        error("slipwayPromote: promotion of ${args.ref} to ${args.env} was refused; see the messages above")
    }
    // The record holds what moved: its digest, and what the environment held before.
    Map record = result.record instanceof Map ? result.record : [:]
    result.digest = record.digest
    result.previous = record.previous
    // The GitOps commit and pull/merge request, when slipway.yaml deploys.
    Map deploy = result.deploy instanceof Map ? result.deploy : [:]
    result.deployCommit = deploy.commit
    result.deployUrl = deploy.pullRequest instanceof Map ? deploy.pullRequest.url : null
    return result
}
