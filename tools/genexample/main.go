// Command genexample builds Slipway's example model, testdata/iris, from the
// Iris data set, so that the example the tests and docs pack is a real model
// whose every byte can be regenerated and reviewed rather than an opaque blob.
//
// It trains a multinomial logistic regression (softmax over 4 standardised
// features, 3 classes) with full-batch gradient descent from zero weights, on
// a fixed train/test split (every 5th row is test), and writes:
//
//	model.safetensors  weight [3,4], bias [3], feature_mean [4], feature_std [4] (F32)
//	config.json        architecture, feature and class names, hyper-parameters
//	eval.json          test-split metrics, rounded to 4 decimals
//	README.md          model card: YAML front matter, then the description
//	predict.py         numpy-only inference script (the example's code)
//	requirements.txt   what predict.py needs
//
// There is no randomness, no map iteration in the arithmetic, no concurrency
// and no platform-dependent rounding (see exp in train.go), so every run on
// every machine writes byte-identical files; main_test.go checks that the
// committed files are what this program produces. After changing the recipe,
// regenerate with `go generate ./tools/genexample` (or -update on the test).
//
// Usage, from the repository root:
//
//	go run ./tools/genexample [-data testdata/iris/data/iris.csv] [-out testdata/iris]
//	go run ./tools/genexample -convert /path/to/sklearn/iris.csv
//
// -convert FROM first rewrites -data from scikit-learn's iris.csv (first line
// "150,4,setosa,versicolor,virginica", then four features and a class index
// per row) and copies FROM's description (iris.rst, the data set's credit)
// beside it, then trains as usual.
package main

//go:generate go run . -data ../../testdata/iris/data/iris.csv -out ../../testdata/iris

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	data    string // headered CSV to train on
	out     string // folder the model is written to
	convert string // scikit-learn CSV to convert into data first, if set
}

// run parses args, builds the example and returns the exit code. The test
// split's metrics go to stdout as JSON; the files written go to stderr.
func run(args []string, stdout, stderr io.Writer) int {
	var opts options
	fs := flag.NewFlagSet("genexample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opts.data, "data", "testdata/iris/data/iris.csv", "headered Iris CSV to train on")
	fs.StringVar(&opts.out, "out", "testdata/iris", "folder to write the model into")
	fs.StringVar(&opts.convert, "convert", "", "convert this scikit-learn iris.csv into -data (and copy its .rst) first")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "genexample: unexpected arguments %q\n", fs.Args())
		return 2
	}

	if opts.convert != "" {
		written, err := convertFile(opts.convert, opts.data)
		if err != nil {
			fmt.Fprintf(stderr, "genexample: %v\n", err)
			return 1
		}
		for _, p := range written {
			fmt.Fprintf(stderr, "wrote %s\n", p)
		}
	}

	res, err := generate(opts.data, opts.out)
	if err != nil {
		fmt.Fprintf(stderr, "genexample: %v\n", err)
		return 1
	}
	for _, p := range res.written {
		fmt.Fprintf(stderr, "wrote %s\n", p)
	}
	if _, err := stdout.Write(res.evalJSON); err != nil {
		fmt.Fprintf(stderr, "genexample: writing metrics: %v\n", err)
		return 1
	}
	return 0
}
