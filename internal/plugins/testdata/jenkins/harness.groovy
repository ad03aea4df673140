// harness.groovy runs the Jenkins shared library's steps outside Jenkins, with
// the pipeline steps they call stubbed, and records what they did.
//
//   groovy -cp LIBRARY/src:STUBS harness.groovy LIBRARY SCENARIOS.json RESULTS.json
//
// A scenario runs either one step (vars/<step>.groovy) with its arguments, or
// a whole declarative Jenkinsfile (pipeline, agent, stages, stage, steps,
// script and post are stubbed; the library's steps are bound by name). `sh`
// really runs its script with bash in the scenario's workspace, with the
// scenario's processEnv plus what withEnv/withCredentials set, so the slipway
// it calls (real, or testdata/jenkins/fake-slipway) gets the argv the script
// really gives it. The results list, per scenario, the pipeline steps called
// with their arguments, and the value returned or the error raised.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

class StepError extends RuntimeException {
    StepError(String msg) { super(msg) }
}

def (libRoot, scenarioFile, resultFile) = args as List
def scenarios = new JsonSlurper().parse(new File(scenarioFile))
def results = []

scenarios.each { sc ->
    def calls = []
    def envStack = []
    File ws = new File(sc.workspace as String)
    ws.mkdirs()
    def binding = new Binding()
    def bind = { String name, Closure c -> binding.setVariable(name, c) }
    bind('withEnv') { List env, Closure body ->
        calls << [step: 'withEnv', args: env]
        envStack.push(env)
        try { return body() } finally { envStack.pop() }
    }
    bind('usernamePassword') { Map m -> [usernamePassword: m] }
    bind('withCredentials') { List creds, Closure body ->
        calls << [step: 'withCredentials', args: creds]
        def env = []
        creds.each { c ->
            def m = c.usernamePassword
            env << "${m.usernameVariable}=user-of-${m.credentialsId}".toString()
            env << "${m.passwordVariable}=password-of-${m.credentialsId}".toString()
        }
        envStack.push(env)
        try { return body() } finally { envStack.pop() }
    }
    bind('sh') { arg ->
        Map m = arg instanceof Map ? arg : [script: arg.toString()]
        List env = envStack.flatten()
        calls << [step: 'sh', args: m, env: env]
        def pb = new ProcessBuilder('bash', '-c', m.script as String).directory(ws)
        Map penv = pb.environment()
        (sc.processEnv ?: [:]).each { k, v -> penv[k] = v as String }
        env.each { String kv ->
            int i = kv.indexOf('=')
            String k = kv.substring(0, i), v = kv.substring(i + 1)
            if (k.startsWith('PATH+')) { // Jenkins' withEnv prepends to PATH
                penv.PATH = v + File.pathSeparator + penv.PATH
            } else {
                penv[k] = v
            }
        }
        pb.redirectError(ProcessBuilder.Redirect.INHERIT)
        def p = pb.start()
        String stdout = p.inputStream.text
        int status = p.waitFor()
        System.err.print(stdout)
        if (m.returnStatus) return status
        if (status != 0) throw new StepError("script returned exit code ${status}")
        return m.returnStdout ? stdout : null
    }
    bind('readFile') { arg ->
        String path = arg instanceof Map ? arg.file : arg
        calls << [step: 'readFile', args: path]
        return new File(ws, path).text
    }
    bind('readJSON') { Map m ->
        calls << [step: 'readJSON', args: m.keySet().sort()]
        return new JsonSlurper().parseText(m.text as String)
    }
    bind('libraryResource') { String path ->
        calls << [step: 'libraryResource', args: path]
        File f = new File("${libRoot}/resources/${path}")
        if (!f.exists()) throw new StepError("No such library resource ${path} could be found.")
        return f.text
    }
    // The Warnings Next Generation plugin, when the scenario has it.
    if ('warnings-ng' in (sc.plugins ?: [])) {
        bind('sarif') { Map m -> [sarif: m] }
        bind('recordIssues') { Map m -> calls << [step: 'recordIssues', args: m]; null }
    }
    bind('error') { String msg ->
        calls << [step: 'error', args: msg]
        throw new StepError(msg)
    }
    ['junit', 'archiveArtifacts', 'unstable', 'echo'].each { name ->
        bind(name) { arg -> calls << [step: name, args: arg]; null }
    }

    // The declarative skeleton: blocks run in order, post blocks after stages.
    def posts = []
    bind('pipeline') { Closure body -> body(); posts.each { it() } }
    bind('agent') { arg -> calls << [step: 'agent', args: arg.toString()] }
    binding.setVariable('any', 'any')
    binding.setVariable('_', null)
    bind('stages') { Closure body -> body() }
    bind('stage') { String name, Closure body -> calls << [step: 'stage', args: name]; body() }
    bind('steps') { Closure body -> body() }
    bind('script') { Closure body -> body() }
    bind('post') { Closure body -> body() }
    bind('always') { Closure body -> posts << body }

    def shell = new GroovyShell(this.class.classLoader, binding)
    def load = { String stepName ->
        Script s = shell.parse(new File("${libRoot}/vars/${stepName}.groovy"))
        s.binding = binding
        s
    }
    new File("${libRoot}/vars").listFiles().findAll { it.name.endsWith('.groovy') }.each { f ->
        String stepName = f.name - '.groovy'
        bind(stepName) { Object[] xs -> load(stepName).invokeMethod('call', xs) }
    }

    def result = [name: sc.name, calls: calls]
    try {
        if (sc.jenkinsfile) {
            Script pipelineScript = shell.parse(new File(sc.jenkinsfile as String))
            pipelineScript.binding = binding
            pipelineScript.run()
        } else {
            result.returned = load(sc.step as String).call(sc.args)
        }
    } catch (StepError e) {
        result.error = e.message
    } catch (Throwable e) {
        result.crash = e.toString()
    }
    results << result
}
new File(resultFile).text = JsonOutput.prettyPrint(JsonOutput.toJson(results))
