//go:build !unix

package oci

// processAlive cannot tell here: another process's files are left to the
// grace period.
func processAlive(int) bool { return true }
