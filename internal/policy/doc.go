// Package policy evaluates Rego v1 policies with conftest's conventions:
// deny/violation rules fail, warn rules warn, exception rules waive (ours
// may expire). Policies are compiled once and evaluated as prepared queries.
package policy
