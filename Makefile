# Slipway's developer entry points. `make test` is the one command that runs every test;
# pass go test flags with TESTFLAGS, e.g. make test TESTFLAGS='-run TestPush ./internal/oci/'.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
PKG     := github.com/slipwayhq/slipway
LDFLAGS := -s -w -X $(PKG)/internal/cli.version=$(VERSION) -X $(PKG)/internal/cli.commit=$(COMMIT)

.PHONY: all build test bench example example-gitops dashboard release fmt vet clean

all: build

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/slipway ./cmd/slipway

test:
	bash scripts/test.sh $(TESTFLAGS)

bench:
	bash scripts/bench.sh

example:
	bash scripts/example.sh

# A promotion landing as a one-line commit in a local GitOps repository, and its rollback.
example-gitops:
	bash scripts/example-gitops.sh

# The Grafana board, monitoring/grafana/slipway.json, from tools/gendashboard
# (go test ./tools/gendashboard checks the committed file is what it writes).
dashboard:
	go run ./tools/gendashboard -out monitoring/grafana/slipway.json

# Static binaries for linux/darwin/windows × amd64/arm64 in dist/, with SHA256SUMS.
release:
	VERSION=$(VERSION) COMMIT=$(COMMIT) bash scripts/release.sh

fmt:
	go fmt ./...

vet:
	go vet ./...

clean:
	rm -rf bin
