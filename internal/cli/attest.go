package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/attest"
	"github.com/slipwayhq/slipway/internal/config"
)

func newAttestCmd(g *globalOptions, streams IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "attest",
		Short: "Verify attestations and make signing keys",
	}
	cmd.AddCommand(newAttestVerifyCmd(g, streams), newAttestKeygenCmd(g, streams))
	return cmd
}

func newAttestVerifyCmd(g *globalOptions, streams IO) *cobra.Command {
	var key, predicate string
	var id identityFlags
	cmd := &cobra.Command{
		Use:   "verify REF (--key PUB | --certificate-identity ID --certificate-oidc-issuer URL)",
		Short: "Find and verify the gate attestation of the digest REF names",
		Long: `Find the attestations that refer to REF's digest and verify the newest one
signed by --key (or, keyless, by --certificate-identity from
--certificate-oidc-issuer, as cosign verifies), newest by the time inside the
signed statement (never by the manifest's unsigned created annotation). Exit 0
when it verifies (and prints its verdict), 1 when none does: missing,
unsigned, tampered, signed by another key or identity, or about another digest.`,
		Args: exactArgs(1, "REF"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := attest.VerifyAttestation(cmd.Context(), attest.VerifyRequest{
				Client: g.client, Reference: args[0], Key: g.cfg.Key, PredicateType: predicate, Getenv: os.Getenv,
				Identity: id.value(), TrustedRoot: id.trustedRoot,
			})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error { return verifyText(w, res) })
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "public key (PEM; a private key file works too)")
	cmd.Flags().StringVar(&predicate, "type", attest.PredicateGate, "predicate type to look for")
	id.register(cmd.Flags(), "the attestation")
	bindSetting(cmd.Flags(), "key", config.SettingKey)
	return cmd
}

func verifyText(w io.Writer, res *attest.VerifyResult) error {
	by := "key " + res.KeyID[:min(16, len(res.KeyID))]
	if res.Keyless {
		by = res.KeyID
	}
	fmt.Fprintf(w, "verified: %s attestation %s of %s, signed by %s", res.PredicateType,
		res.Attestation, res.Reference, by)
	if res.Gate != nil {
		fmt.Fprintf(w, "; gate %s at %s", res.Gate.Decision, res.Gate.Time.Format("2006-01-02 15:04 MST"))
	}
	_, err := fmt.Fprintln(w)
	return err
}

func newAttestKeygenCmd(g *globalOptions, streams IO) *cobra.Command {
	var kind string
	cmd := &cobra.Command{
		Use:   "keygen PRIVATE PUBLIC",
		Short: "Write a new signing key pair (PEM)",
		Args:  exactArgs(2, "PRIVATE and PUBLIC"),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := attest.Keygen(cmd.Context(), attest.KeygenRequest{Kind: kind, Private: args[0], Public: args[1]})
			if err != nil {
				return err
			}
			return g.render(streams.Stdout, res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "key %s: private %s, public %s\n", res.KeyID, res.Private, res.Public)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "ed25519", "ed25519 or ecdsa-p256")
	return cmd
}
