// Package policy evaluates Rego v1 policies with conftest's conventions:
// deny/violation rules fail, warn rules warn, exception rules waive (ours
// may expire). Policies are compiled once and evaluated as prepared queries.
//
// Where conftest is loose, the gate is strict, because a broken policy
// must never pass for a passing one:
//
//   - a rule whose value is not a message (a number, an object without a
//     string msg) is a usage error naming the rule and its file:line,
//     where conftest skips it silently; so is an evaluation error;
//   - a complete rule is read too: a string or an object is one message,
//     true is a finding whose message is the rule's name, false none;
//   - a namespace that selects no deny, violation or warn rule is a usage
//     error (conftest passes with zero tests), and a namespace selects the
//     packages below it as well ("slipway" selects slipway.metrics);
//   - exceptions match a rule by the name after its deny_/violation_/warn_
//     prefix, as conftest does, or by its whole name; they waive rules of
//     their own package only. An exception may be an object with rules,
//     expires (a date, valid through that day UTC, or an RFC 3339 time)
//     and reason; conftest ignores that form, so a policy using it only
//     gets stricter under conftest;
//   - data documents that come with the policies (data.json or data.yaml in
//     a folder, a bundle or the embedded library) are defaults; --data
//     documents override them key by key. Two documents of the same layer
//     that set one key to different values are a usage error naming both;
//   - in `slipway policy eval`, each document of a multi-document YAML file
//     is evaluated, as in conftest, but a JSON array is one input (conftest
//     splits it).
//
// A finding's Location is the first definition of its rule: OPA does not
// say which definition of a multiply-defined rule produced a message.
package policy
