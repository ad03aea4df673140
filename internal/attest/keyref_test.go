package attest

import (
	"testing"

	"github.com/sigstore/sigstore/pkg/signature/kms"
	"github.com/stretchr/testify/assert"
)

// TestKMSProviders: the --key URI schemes cosign takes are compiled in
// (hashivault:// is exercised end to end in internal/cli's TestHashivaultKey;
// the cloud providers need their clouds).
func TestKMSProviders(t *testing.T) {
	for _, scheme := range []string{"awskms://", "gcpkms://", "azurekms://", "hashivault://"} {
		assert.Contains(t, kms.SupportedProviders(), scheme)
		assert.True(t, isKMS(scheme+"key"))
	}
}
