package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/oci"
)

func newPushCmd(g *globalOptions, streams IO) *cobra.Command {
	var mount []string
	var force bool
	cmd := &cobra.Command{
		Use:   "push SRC DST",
		Short: "Copy an artifact or image, with its referrers, between stores",
		Long: `Copy the manifest (or index) SRC names, its blobs and its referrers
(attestations, SBOMs, promotion records) to DST. Only missing blobs are sent;
within one registry they are mounted. DST's tag defaults to SRC's. A version
tag (semver) that already names other bytes in DST is not moved unless
--force is given: versions are immutable.`,
		Example: `  slipway push oci:.slipway/iris:1.0.0 registry.example.com/ml/iris
  slipway push registry.example.com/ml/iris:1.0.0 oci:/mnt/airgap/iris`,
		Args: exactArgs(2, "SRC and DST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := g.parseRef(args[0])
			if err != nil {
				return err
			}
			dst, err := g.parseRef(args[1])
			if err != nil {
				return err
			}
			if src.Identifier() == "" {
				return fault.Usagef("SRC %s: give a tag or digest (%s:1.0.0 or %s@sha256:…)", src, src, src)
			}
			bar := g.bar(streams, "push", 0)
			defer bar.Finish()
			if dst.IsLayout() {
				g.credentialsFor(src)
			} else {
				g.credentialsFor(dst)
			}
			mountFrom, err := g.mountFrom(mount)
			if err != nil {
				return err
			}
			srcStore, dstStore := g.store(src.WithTag(""), nil), g.store(dst.WithTag(""), bar, mountFrom)
			desc, err := srcStore.Resolve(cmd.Context(), src.Identifier())
			if err != nil {
				return fmt.Errorf("resolving %s: %w", src, err)
			}
			tag := dst.Tag
			if tag == "" && dst.Digest == "" {
				tag = src.Tag
			}
			if dst.Digest != "" && dst.Digest != desc.Digest.String() {
				return fault.Usagef("DST %s names digest %s but SRC is %s", dst, dst.Digest, desc.Digest)
			}
			if !force {
				if _, err := oci.CheckVersionTag(cmd.Context(), dstStore, tag, desc.Digest); err != nil {
					return err
				}
			}
			if size, err := oci.ContentSize(cmd.Context(), srcStore, desc); err == nil {
				bar.SetTotal(size)
			}
			if err := oci.Copy(cmd.Context(), srcStore, dstStore, desc, tag); err != nil {
				return err
			}
			pinned := dst.WithDigest(desc.Digest.String()).String()
			if g.output == "json" {
				return printJSON(streams.Stdout, map[string]any{"reference": pinned, "digest": desc.Digest.String(), "tag": tag, "mediaType": desc.MediaType})
			}
			fmt.Fprintln(streams.Stdout, pinned)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "move a version tag that already names other bytes in DST")
	cmd.Flags().StringArrayVar(&mount, "mount-from", nil, "repository of DST's registry that may hold these blobs already: they are mounted, not uploaded")
	return cmd
}
