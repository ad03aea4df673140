// Package registrytest gives tests a registry to push to: an in-process one for
// unit tests (InProcess), the real Distribution registries that scripts/test.sh
// starts for integration tests (Real, RealAuth), a counting and fault-injecting
// proxy to put in front of either (Counting), and the independent readers skopeo
// and umoci to check what was pushed (Skopeo, Umoci).
package registrytest
