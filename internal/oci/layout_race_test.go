package oci_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
	"github.com/slipwayhq/slipway/internal/modelpack"
	"github.com/slipwayhq/slipway/internal/oci"
)

// The race tests pack into one local store from several goroutines and,
// by re-running this test binary, from several processes: the lock on
// index.json has to hold across both.

const helperEnv = "SLIPWAY_TEST_PACK_HELPER"

// packOutcome is what one racing pack reported.
type packOutcome struct {
	who     string
	version string
	digest  string // "" when refused
	denied  bool
	err     string
}

// pack packs dir as version into the store at layout.
func pack(layout, dir, version string) packOutcome {
	res, err := modelpack.PackModel(context.Background(), modelpack.PackRequest{
		Dir: dir, Name: "racer", Version: version, To: oci.LayoutPrefix + layout, Epoch: time.Unix(1700000000, 0),
	})
	switch {
	case err == nil:
		return packOutcome{version: version, digest: res.Digest}
	case fault.KindOf(err) == fault.Denied:
		return packOutcome{version: version, denied: true, err: err.Error()}
	}
	return packOutcome{version: version, err: err.Error()}
}

// TestPackHelper is the child process of the race tests: it packs once and
// prints the outcome. Run on its own, it does nothing.
func TestPackHelper(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("only run as a child of the race tests")
	}
	parts := strings.SplitN(spec, "|", 3)
	o := pack(parts[0], parts[1], parts[2])
	fmt.Printf("OUTCOME|%s|%t|%s\n", o.digest, o.denied, strings.ReplaceAll(o.err, "\n", " "))
}

// packInChild runs one pack in a child process.
func packInChild(t *testing.T, layout, dir, version string) packOutcome {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPackHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+layout+"|"+dir+"|"+version)
	out, err := cmd.Output()
	o := packOutcome{version: version, err: fmt.Sprintf("child: %v: %s", err, out)}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if f, ok := strings.CutPrefix(sc.Text(), "OUTCOME|"); ok {
			p := strings.SplitN(f, "|", 3)
			o = packOutcome{version: version, digest: p[0], denied: p[1] == "true", err: p[2]}
		}
	}
	return o
}

// race packs models[i] as versions[i] into one store, half of them from
// goroutines of this process and half from child processes, all at once.
func race(t *testing.T, layout string, models, versions []string) []packOutcome {
	out := make([]packOutcome, len(models))
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range models {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			if i%2 == 0 {
				out[i] = pack(layout, models[i], versions[i])
				out[i].who = fmt.Sprintf("goroutine %d", i)
			} else {
				out[i] = packInChild(t, layout, models[i], versions[i])
				out[i].who = fmt.Sprintf("process %d", i)
			}
		}()
	}
	start.Done()
	done.Wait()
	return out
}

func modelDir(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.safetensors"), []byte(content), 0o644))
	return dir
}

const writers, rounds = 8, 6

func TestConcurrentPacksKeepEveryTag(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	for round := range rounds {
		layout := filepath.Join(t.TempDir(), "store")
		var models, versions []string
		for i := range writers {
			models = append(models, modelDir(t, fmt.Sprintf("weights %d of round %d", i, round)))
			versions = append(versions, fmt.Sprintf("1.%d.0", i))
		}
		store := oci.OpenLayout(layout)
		for _, o := range race(t, layout, models, versions) {
			require.Empty(t, o.err, "round %d, %s packing %s", round, o.who, o.version)
			d, err := store.Resolve(ctx, o.version)
			if assert.NoError(t, err, "round %d: %s reported %s as %s, but the tag is gone", round, o.who, o.version, o.digest) {
				assert.Equal(t, o.digest, d.Digest.String(), "round %d: tag %s names another digest than %s reported", round, o.version, o.who)
			}
			_, err = store.Resolve(ctx, o.digest)
			assert.NoError(t, err, "round %d: the reference %s printed does not resolve", round, o.digest)
		}
		tags, err := store.Tags(ctx)
		require.NoError(t, err)
		assert.Len(t, tags, writers, "round %d: tags in the store", round)
	}
}

func TestSameVersionOtherBytesExactlyOneWins(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	for round := range rounds {
		layout := filepath.Join(t.TempDir(), "store")
		var models, versions []string
		for i := range writers {
			models = append(models, modelDir(t, fmt.Sprintf("other weights %d of round %d", i, round)))
			versions = append(versions, "2.0.0")
		}
		var winners []packOutcome
		for _, o := range race(t, layout, models, versions) {
			switch {
			case o.digest != "":
				winners = append(winners, o)
			case !o.denied:
				t.Errorf("round %d: %s failed other than by a refusal: %s", round, o.who, o.err)
			}
		}
		require.Len(t, winners, 1, "round %d: packs of 2.0.0 with other bytes that succeeded: %+v", round, winners)
		d, err := oci.OpenLayout(layout).Resolve(ctx, "2.0.0")
		require.NoError(t, err)
		assert.Equal(t, winners[0].digest, d.Digest.String(), "round %d: 2.0.0 should name the winner's digest", round)
	}
}
