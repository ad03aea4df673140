package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/slipwayhq/slipway/internal/fault"
)

// FileResult is what evaluating the policies against one input file gave.
// A multi-document YAML file's documents are each evaluated, as conftest
// does, and their results combined: Rules then counts every document's.
type FileResult struct {
	File      string `json:"file"`
	Documents int    `json:"documents"`
	Result    Result `json:"result"`
}

// EvalFiles is conftest test: each JSON or YAML file (folders are searched
// for .json, .yaml and .yml files) is an input, evaluated against the
// packages in namespaces — by default those of WithNamespaces, else
// package main, as in conftest. Files are read and evaluated in parallel
// (GOMAXPROCS workers) with the one prepared query; results come back in
// the order of paths (folders in lexical order). A file that does not
// parse is a usage error naming it.
func (e *Engine) EvalFiles(ctx context.Context, paths []string, namespaces ...string) ([]FileResult, error) {
	if len(namespaces) == 0 {
		namespaces = e.opts.namespaces
	}
	if len(namespaces) == 0 {
		namespaces = []string{"main"}
	}
	q, err := e.queryFor(ctx, namespaces)
	if err != nil {
		return nil, err
	}
	files, err := inputFiles(paths)
	if err != nil {
		return nil, err
	}
	results := make([]FileResult, len(files))
	errs := make([]error, len(files))
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = e.evalFile(ctx, q, files[i])
				if errs[i] != nil {
					cancel()
				}
			}
		})
	}
feed:
	for i := range files {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	// The first file's error, in the order of the files; files cut short by
	// that error's cancellation are not to blame.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	if err := parent.Err(); err != nil {
		return nil, err
	}
	return results, nil
}

func (e *Engine) evalFile(ctx context.Context, q *query, file string) (FileResult, error) {
	if ctx.Err() != nil {
		return FileResult{}, ctx.Err()
	}
	docs, err := ParseInputFile(file)
	if err != nil {
		return FileResult{}, err
	}
	fr := FileResult{File: file, Documents: len(docs)}
	for i, doc := range docs {
		v, err := ast.InterfaceToValue(doc)
		if err != nil {
			return FileResult{}, fault.Usagef("input %s: %w", file, err)
		}
		r, err := e.eval(ctx, q, v)
		if err != nil {
			if te := (*TimeoutError)(nil); errors.As(err, &te) {
				return FileResult{}, fmt.Errorf("input %s: %w", file, err)
			}
			return FileResult{}, err
		}
		if i == 0 {
			fr.Result = r
			continue
		}
		fr.Result.Findings = append(fr.Result.Findings, r.Findings...)
		fr.Result.Expired = append(fr.Result.Expired, r.Expired...)
		fr.Result.Rules += r.Rules
	}
	return fr, nil
}

// ParseInputFile reads a conftest-style input file: JSON (one document) or
// YAML (one or more), by extension; other extensions are tried as YAML,
// which also reads JSON. An empty or torn file is a usage error.
func ParseInputFile(file string) ([]any, error) {
	raw, err := readFile(file)
	if err != nil {
		return nil, err
	}
	docs, err := ParseInput(raw, file)
	if err != nil {
		return nil, fault.Usagef("input %s: %w", file, err)
	}
	return docs, nil
}

// ParseInput decodes raw as the documents of a file named name (whose
// extension picks JSON or YAML).
func ParseInput(raw []byte, name string) ([]any, error) {
	format := formatOf(name)
	if format == "" {
		format = formatYAML
	}
	return decodeDocuments(raw, format)
}

// inputFiles expands folders into the JSON and YAML files under them.
func inputFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fault.Usagef("input %s: %w", p, unwrapPathError(err))
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return fault.Usagef("input %s: %w", f, unwrapPathError(err))
			}
			if !d.IsDir() && formatOf(f) != "" {
				files = append(files, f)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(files) == 0 {
		return nil, fault.Usagef("no input files (JSON or YAML) in %v", paths)
	}
	return files, nil
}
