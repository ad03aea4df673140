// Command slipway takes a trained model to production: pack, gate, build, promote.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/slipwayhq/slipway/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
