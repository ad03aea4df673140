// Package attest makes, signs, stores and finds attestations: in-toto
// Statement v1 documents about one exact digest, wrapped in DSSE envelopes,
// signed with ed25519 or ECDSA P-256 keys, and stored as OCI referrers of the
// digest they are about (the referrers API where a registry has it, the
// sha256-<hex> tag scheme where it does not, index.json in a layout).
//
// Storing an attestation proves nothing by itself: anyone who can push can
// attach a referrer. Only Verify and VerifyFor, given a trusted public key,
// decide whether one counts.
package attest
