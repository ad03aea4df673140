// Package promote moves exact digests between environments and remembers
// it in the registry: `slipway promote`, `rollback` and `history`.
//
// A promotion is refused (fault.Denied, with every reason) unless the
// digest has a passing gate verdict (verified with a key when one is
// given), went through the environments the target requires and soaked
// there long enough, and the target's own Rego policy allows it; --force
// overrides all of it, and the record says so.
//
// Every promotion and rollback writes an immutable Record, twice: as an
// OCI referrer of the digest (artifactType RecordArtifactType) and in the
// environment's history, one manifest tagged ENV-history whose layers are
// pages of records (history.go). The environment's tag REPO:ENV moves
// last, to the digest the history's newest record names. There is no
// database and no local state: a history is read back in a few requests
// however long it is, and concurrent writers detect lost updates and retry
// (append.go says what the registry can and cannot guarantee).
package promote
