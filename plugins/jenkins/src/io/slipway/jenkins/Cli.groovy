package io.slipway.jenkins

import com.cloudbees.groovy.cps.NonCPS

/**
 * Cli runs one Slipway verb for a step of this library (vars/slipway*.groovy).
 *
 * A step's keys map to the verb's command line by a spec: the positional
 * argument, flags with a value, repeatable flags (a String or a List) and
 * boolean flags. Unknown keys and values of the wrong type end the step with
 * `error`. The command runs through `sh` with every argument in its own
 * environment variable, referenced as "$SLIPWAY_ARG_n" by a script whose
 * text never holds a value, so no value can be read as shell.
 */
class Cli implements Serializable {
    private static final long serialVersionUID = 1L

    /** The kinds of key a spec maps. */
    static final String POSITIONAL = 'positional'
    static final String VALUE = 'value'
    static final String LIST = 'list'
    static final String FLAG = 'flag'
    static final String STEP = 'step' // a key of the step itself, not a flag

    /** Keys every step takes besides its verb's own. */
    static final Map COMMON = [
        insecure     : [FLAG, '--insecure'],
        quiet        : [FLAG, '--quiet'],
        credentialsId: [STEP, 'Jenkins username/password credentials for the registry'],
        binary       : [STEP, 'the slipway command (default: slipway on PATH)'],
    ]

    /**
     * argv returns [argv, problems] for verb with the step's args: the command
     * line (the verb, its flags, --output json, then -- and the positional
     * argument, so that a value starting with - is never read as a flag), and
     * what is wrong with args (unknown keys, wrong types, missing required keys).
     */
    @NonCPS
    static List argv(String verb, Map spec, Map args, List required = []) {
        Map all = new LinkedHashMap(spec)
        all.putAll(COMMON)
        List problems = []
        args.keySet().findAll { !all.containsKey(it) }.sort().each {
            problems << "unknown key '${it}' (known: ${all.keySet().sort().join(', ')})".toString()
        }
        required.findAll { args[it] == null || args[it].toString() == '' }.each {
            problems << "'${it}' is required".toString()
        }
        List<String> positional = []
        List<String> flags = []
        all.each { String key, List how ->
            if (!args.containsKey(key) || args[key] == null) {
                return
            }
            def v = args[key]
            switch (how[0]) {
                case POSITIONAL:
                    if (!scalar(v)) {
                        problems << "'${key}' must be a string, got ${kind(v)}".toString()
                    } else {
                        positional << v.toString()
                    }
                    break
                case VALUE:
                    if (!scalar(v)) {
                        problems << "'${key}' must be a string, got ${kind(v)}".toString()
                    } else if (v.toString() != '') {
                        flags << how[1] << v.toString()
                    }
                    break
                case LIST:
                    List vs = v instanceof Collection ? v as List : [v]
                    vs.each { item ->
                        if (!scalar(item)) {
                            problems << "'${key}' must be a string or a list of strings, got ${kind(item)}".toString()
                        } else if (item.toString() != '') {
                            flags << how[1] << item.toString()
                        }
                    }
                    break
                case FLAG:
                    if (!(v instanceof Boolean)) {
                        problems << "'${key}' must be true or false, got ${kind(v)}".toString()
                    } else if (v) {
                        flags << how[1]
                    }
                    break
                case STEP:
                    if (!scalar(v) && !(v instanceof Boolean)) {
                        problems << "'${key}' must be a string or a boolean, got ${kind(v)}".toString()
                    }
                    break
            }
        }
        List<String> out = [verb]
        out.addAll(flags)
        out << '--output' << 'json'
        if (positional) {
            out << '--'
            out.addAll(positional)
        }
        return [out, problems]
    }

    @NonCPS
    private static String failure(int status) {
        switch (status) {
            case 2: return 'a usage or configuration error'
            case 3: return 'a runtime error: registry unreachable, I/O'
            case 127: return "not found: put slipway on the agent's PATH or set binary"
            default: return 'unexpected'
        }
    }

    /** kind names a value's type in the words a Jenkinsfile uses. */
    @NonCPS
    private static String kind(v) {
        switch (v) {
            case null: return 'null'
            case CharSequence: return 'a string'
            case Boolean: return 'a boolean'
            case Number: return 'a number'
            case Map: return 'a map'
            case Collection: return 'a list'
            default: return v.getClass().simpleName
        }
    }

    @NonCPS
    private static boolean scalar(v) {
        return v instanceof CharSequence || v instanceof Number
    }

    /**
     * environment returns withEnv's list: the binary, the call's output
     * folder (also where slipway writes its Jenkins outputs and report,
     * SLIPWAY_JENKINS_DIR) and one variable per argument.
     */
    @NonCPS
    static List<String> environment(String binary, String dir, List<String> argv) {
        List<String> env = ["SLIPWAY_BIN=${binary}".toString(), "SLIPWAY_JENKINS_DIR=${dir}".toString()]
        argv.eachWithIndex { String a, int i -> env << "SLIPWAY_ARG_${i}=${a}".toString() }
        return env
    }

    /**
     * script returns the fixed shell text that makes the call's output
     * folder and runs the binary with n arguments, stdout to result.json in it.
     */
    @NonCPS
    static String script(int n) {
        return 'mkdir -p "$SLIPWAY_JENKINS_DIR" && "$SLIPWAY_BIN"' + (0..<n).collect { " \"\$SLIPWAY_ARG_${it}\"" }.join('') +
                ' >"$SLIPWAY_JENKINS_DIR/result.json"'
    }

    /**
     * outputDir returns a folder of the workspace for one call of a step,
     * slipway-runs/<verb>-<random>: steps running in parallel in one
     * workspace never share a file name.
     */
    @NonCPS
    static String outputDir(String verb) {
        return "slipway-runs/${verb}-${UUID.randomUUID().toString().take(8)}".toString()
    }

    /**
     * run runs verb for the step named step: validates args, runs the binary
     * and returns [status, result], result being the --output json document
     * parsed with readJSON (plain Java maps and lists, returnPojo: true; an
     * empty Map when the verb printed none) plus exitCode and outputDir, the
     * call's own folder. dir is that folder when the step chose it already
     * (to put reports there). A usage or runtime failure (exit 2 or 3) ends
     * the step with error.
     */
    static List run(def steps, String step, String verb, Map spec, Map given, List required = [], String dir = null) {
        Map args = given ?: [:]
        String out = dir ?: outputDir(verb)
        List built = argv(verb, spec, args, required)
        List<String> command = built[0]
        List problems = built[1]
        if (problems) {
            steps.error("${step}: ${problems.join('; ')}")
        }
        String binary = args.binary ? args.binary.toString() : 'slipway'
        int status = 0
        steps.withEnv(environment(binary, out, command)) {
            if (args.credentialsId) {
                steps.withCredentials([steps.usernamePassword(credentialsId: args.credentialsId.toString(),
                        usernameVariable: 'SLIPWAY_REGISTRY_USERNAME', passwordVariable: 'SLIPWAY_REGISTRY_PASSWORD')]) {
                    status = steps.sh(script: script(command.size()), returnStatus: true, label: "slipway ${verb}")
                }
            } else {
                status = steps.sh(script: script(command.size()), returnStatus: true, label: "slipway ${verb}")
            }
        }
        if (status == 2 || status == 3 || status > 4) {
            steps.error("${step}: slipway ${verb} failed with exit code ${status} (${failure(status)}); its messages are above")
        }
        String text = steps.readFile("${out}/result.json").trim()
        Map result = text ? new LinkedHashMap(steps.readJSON(text: text, returnPojo: true) as Map) : [:]
        result.exitCode = status
        result.outputDir = out
        return [status, result]
    }
}
