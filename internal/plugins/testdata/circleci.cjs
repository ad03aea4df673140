// circleci.cjs validates the orb and a config that uses it with CircleCI's
// own parser (@circleci/circleci-config-parser, the parser of the CircleCI
// config SDK): the orb's commands, jobs and executors parse as a config, and
// the config parses with the orb's manifest. The parser does not check the
// parameters given to an orb's job or command, so this script does: known
// names, booleans and enums of the right type, required ones present.
//
//   node circleci.cjs PARSER_DIR ORB.yml CONFIG.yml ALIAS
const fs = require('fs');
const [parserDir, orbFile, configFile, alias] = process.argv.slice(2);
const parser = require(parserDir);
const YAML = require(parserDir + '/node_modules/yaml');
parser.setLogParsing && parser.setLogParsing(false);

const orb = YAML.parse(fs.readFileSync(orbFile, 'utf8'));
const config = YAML.parse(fs.readFileSync(configFile, 'utf8'));
const problems = [];

// 1. The orb itself: a config with its commands, jobs and executors.
try {
  const jobs = Object.keys(orb.jobs || {});
  parser.parseConfig(Object.assign({}, orb, {workflows: {orb: {jobs}}}));
} catch (e) {
  problems.push(`${orbFile}: ${e.message}`);
}

// 2. The config, with the orb's manifest for its alias.
const params = (o) => Object.fromEntries(Object.entries(o || {}).map(([k, v]) => [k, v.parameters || {}]));
try {
  const manifest = parser.parseOrbManifest({jobs: params(orb.jobs), commands: params(orb.commands), executors: params(orb.executors)});
  parser.parseConfig(config, {[alias]: manifest});
} catch (e) {
  problems.push(`${configFile}: ${e.message}`);
}

// 3. The parameters given to the orb's jobs and commands.
const workflowKeys = new Set(['requires', 'context', 'filters', 'name', 'pre-steps', 'post-steps', 'matrix', 'type', 'serial-group']);
function check(where, kind, name, given, isJob) {
  const declared = (orb[kind] || {})[name];
  if (!declared) {
    problems.push(`${where}: ${alias}/${name} is not a ${kind.slice(0, -1)} of the orb`);
    return;
  }
  const ps = declared.parameters || {};
  for (const [k, v] of Object.entries(given || {})) {
    if (isJob && workflowKeys.has(k)) continue;
    const p = ps[k];
    if (!p) {
      problems.push(`${where}: ${alias}/${name} has no parameter ${k}`);
    } else if (p.type === 'boolean' && typeof v !== 'boolean') {
      problems.push(`${where}: ${alias}/${name} parameter ${k} must be a boolean, got ${JSON.stringify(v)}`);
    } else if (p.type === 'enum' && !p.enum.includes(String(v))) {
      problems.push(`${where}: ${alias}/${name} parameter ${k} must be one of ${p.enum.join(', ')}, got ${JSON.stringify(v)}`);
    }
  }
  for (const [k, p] of Object.entries(ps)) {
    if (!('default' in p) && !(given && k in given)) {
      problems.push(`${where}: ${alias}/${name} needs the parameter ${k}`);
    }
  }
}
const prefix = alias + '/';
for (const [wname, w] of Object.entries(config.workflows || {})) {
  for (const j of w.jobs || []) {
    const [name, given] = typeof j === 'string' ? [j, {}] : Object.entries(j)[0];
    if (name.startsWith(prefix)) check(`workflow ${wname}`, 'jobs', name.slice(prefix.length), given, true);
  }
}
for (const [jname, job] of Object.entries(config.jobs || {})) {
  for (const s of job.steps || []) {
    const [name, given] = typeof s === 'string' ? [s, {}] : Object.entries(s)[0];
    if (name.startsWith(prefix)) check(`job ${jname}`, 'commands', name.slice(prefix.length), given, false);
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`ok: ${Object.keys(orb.commands || {}).length} commands, ${Object.keys(orb.jobs || {}).length} jobs; ${configFile} parses with the orb`);
