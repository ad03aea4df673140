// actionschema.mjs validates action.yml files against GitHub's action metadata
// schema, with the parser GitHub's own tooling uses (@actions/workflow-parser).
//
//   node actionschema.mjs PATH/TO/node_modules/@actions/workflow-parser action.yml…
//
// It prints one line per problem and exits 1 when there is any.
import {readFileSync} from "node:fs";
import {register} from "node:module";
import {join} from "node:path";
import {pathToFileURL} from "node:url";

// The package imports its JSON schema without an import attribute (it expects
// a bundler); this hook adds the attribute.
register("data:text/javascript," + encodeURIComponent(`
export async function load(url, context, next) {
  if (url.endsWith(".json")) return next(url, {...context, importAttributes: {type: "json"}});
  return next(url, context);
}`));

const [pkg, ...files] = process.argv.slice(2);
const dist = (p) => pathToFileURL(join(pkg, "dist", p)).href;
const {parseAction} = await import(dist("actions/index.js"));
const {NoOperationTraceWriter} = await import(dist("index.js"));

let problems = 0;
for (const file of files) {
  const result = parseAction({name: file, content: readFileSync(file, "utf8")}, new NoOperationTraceWriter());
  for (const e of result.context.errors.getErrors()) {
    console.log(e.message);
    problems++;
  }
  if (result.value === undefined && problems === 0) {
    console.log(`${file}: not parsed`);
    problems++;
  }
}
process.exit(problems ? 1 : 0);
