package promote

import (
	"cmp"
	"os/user"
	"time"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/oci"
)

// Option configures Promote and Rollback.
type Option func(*options)

type options struct {
	now    func() time.Time
	warn   func(string)
	open   func(oci.Ref) oci.Store
	append appendConfig
}

func newOptions(opts []Option) options {
	o := options{now: time.Now, warn: func(string) {}, append: defaultAppendConfig()}
	for _, opt := range opts {
		opt(&o)
	}
	o.append.warn = o.warn
	return o
}

// WithClock sets the clock (soak, freeze windows and record times use it).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithWarnings sets where warnings go (a concurrent promotion landed after
// ours, a policy warning, an unverified gate).
func WithWarnings(warn func(string)) Option { return func(o *options) { o.warn = warn } }

// WithOpener lets the gate check open the repository an image's
// dev.slipway.model.reference annotation names, with the caller's credentials.
func WithOpener(open func(oci.Ref) oci.Store) Option { return func(o *options) { o.open = open } }

// WithSettle sets the bounds of the settle time of history writes (tests).
func WithSettle(min, max time.Duration) Option {
	return func(o *options) { o.append.minSettle, o.append.maxSettle = min, max }
}

// Actor is who promotes: the CI system's actor (input.ci.actor), else the
// login the environment names ($USER, $LOGNAME, %USERNAME%), else the
// account the process runs as (a container's shell often sets no $USER),
// else "unknown".
func Actor(ci ci.Job, getenv func(string) string) string {
	if a := cmp.Or(ci.Actor, getenv("USER"), getenv("LOGNAME"), getenv("USERNAME")); a != "" {
		return a
	}
	return cmp.Or(osLogin(), "unknown") // reads the passwd database: only when nothing else says
}

// osLogin is the name of the account the process runs as; "" when the
// system does not know it (a UID with no passwd entry).
var osLogin = func() string {
	u, err := user.Current()
	if err != nil {
		return ""
	}
	return u.Username
}
