package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/gate"
)

func newAttestCmd(g *globalOptions, streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "attest",
		Short: "Verify attestations and make signing keys",
	}
	var key, predicate string
	verify := &cobra.Command{
		Use:   "verify REF --key PUB",
		Short: "Find and verify the gate attestation of the digest REF names",
		Long: `Find the attestations that refer to REF's digest and verify the newest one
signed by --key. Exit 0 when it verifies (and prints its verdict), 1 when
none does: missing, unsigned, tampered or signed by another key.`,
		Args: exactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" {
				return fault.Usagef("--key is required: the public key (PEM) the attestation must be signed with")
			}
			verifier, err := attest.LoadPublicKey(key)
			if err != nil {
				return err
			}
			ref, store, err := g.openTagged(args[0])
			if err != nil {
				return err
			}
			desc, err := store.Resolve(cmd.Context(), ref.Identifier())
			if err != nil {
				return fault.Wrap(fault.Usage, err)
			}
			stmt, found, err := attest.FindVerified(cmd.Context(), store, desc.Digest, predicate, verifier)
			if err != nil {
				return err
			}
			var v gate.Verdict
			_ = stmt.DecodePredicate(&v)
			if g.output == "json" {
				return printJSON(streams.Stdout, map[string]any{
					"reference": ref.WithDigest(desc.Digest.String()).String(), "attestation": found.Descriptor.Digest.String(),
					"keyid": verifier.KeyID(), "predicateType": stmt.PredicateType, "predicate": stmt.Predicate,
				})
			}
			fmt.Fprintf(streams.Stdout, "verified: %s attestation %s of %s, signed by key %s", stmt.PredicateType,
				found.Descriptor.Digest, ref.WithDigest(desc.Digest.String()), verifier.KeyID()[:16])
			if v.Decision != "" {
				fmt.Fprintf(streams.Stdout, "; gate %s at %s", v.Decision, v.Time.Format("2006-01-02 15:04 MST"))
			}
			fmt.Fprintln(streams.Stdout)
			return nil
		},
	}
	verify.Flags().StringVar(&key, "key", "", "public key (PEM; a private key file works too)")
	verify.Flags().StringVar(&predicate, "type", attest.PredicateGate, "predicate type to look for")

	var kind string
	keygen := &cobra.Command{
		Use:   "keygen PRIVATE PUBLIC",
		Short: "Write a new signing key pair (PEM)",
		Args:  exactArgs(2, "PRIVATE and PUBLIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			k := attest.Ed25519
			switch kind {
			case "ed25519":
			case "ecdsa-p256":
				k = attest.ECDSAP256
			default:
				return fault.Usagef("--kind %q: want ed25519 or ecdsa-p256", kind)
			}
			s, err := attest.GenerateKey(k, args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Stdout, "key %s: private %s, public %s\n", s.KeyID(), args[0], args[1])
			return nil
		},
	}
	keygen.Flags().StringVar(&kind, "kind", "ed25519", "ed25519 or ecdsa-p256")
	cmd.AddCommand(verify, keygen)
	return cmd
}
