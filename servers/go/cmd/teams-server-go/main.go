// Command teams-server-go is the Teams server on grpc-go: the same service, health status, test
// hooks and command line as the Python reference server (python_server/), so the interop matrix
// can run every client against either.
//
//	teams-server-go --host 127.0.0.1 --port 0 --test-hooks
//	teams-server-go --tls-cert server.crt --tls-key server.key [--tls-client-ca ca.crt] [--require-token FILE]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"teams-interop/servers/go/internal/server"
)

// repeated is a flag that may be given more than once (--redact).
type repeated []string

func (r *repeated) String() string     { return fmt.Sprint(*r) }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// seconds is a flag in (fractional) seconds, as the Python server takes them.
type seconds struct{ d *time.Duration }

func (s seconds) String() string {
	if s.d == nil {
		return ""
	}
	return fmt.Sprint(s.d.Seconds())
}

func (s seconds) Set(v string) error {
	var f float64
	if _, err := fmt.Sscan(v, &f); err != nil || f < 0 {
		return fmt.Errorf("not a number of seconds >= 0: %q", v)
	}
	*s.d = time.Duration(f * float64(time.Second))
	return nil
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	o := server.Defaults()
	drain := 3 * time.Second
	var redact repeated
	flags := flag.NewFlagSet("teams-server-go", flag.ContinueOnError)
	flags.StringVar(&o.Host, "host", o.Host, "address to listen on")
	flags.IntVar(&o.Port, "port", o.Port, "0 picks a free port")
	flags.BoolVar(&o.TestHooks, "test-hooks", false, "let request metadata steer the server (interop tests only)")
	flags.IntVar(&o.MaxReceiveMessageBytes, "max-receive-message-bytes", o.MaxReceiveMessageBytes, "largest request message accepted")
	flags.Var(seconds{&o.Grace}, "grace-seconds", "in-flight calls' time to finish once stopping")
	flags.Var(seconds{&drain}, "drain-seconds", "NOT_SERVING but answering, after SIGTERM")
	level := flags.String("log-level", "INFO", "DEBUG, INFO, WARNING or ERROR; calls are logged at DEBUG")
	format := flags.String("log-format", "text", "text or json (one object per line)")
	logCalls := flags.Bool("log-calls", false, "log each call (the same as --log-level DEBUG); --log-calls=false, the default, kept for ci/bench-server.sh")
	flags.Var(&redact, "redact", "also hide the values of metadata keys matching this regex (repeatable)")
	flags.IntVar(&o.MaxConcurrentCalls, "max-concurrent-calls", o.MaxConcurrentCalls, "Teams calls in flight; past it RESOURCE_EXHAUSTED at once")
	flags.Var(seconds{&o.KeepaliveTime}, "keepalive-time", "seconds between keepalive pings (0: off)")
	flags.Var(seconds{&o.KeepaliveTimeout}, "keepalive-timeout", "seconds to wait for a ping's answer")
	flags.BoolVar(&o.KeepalivePermitWithoutCalls, "keepalive-permit-without-calls", false, "accepted for the Python server's command line; grpc-go pings idle connections anyway")
	flags.Var(seconds{&o.MaxConnectionIdle}, "max-connection-idle", "GOAWAY a connection idle this long (0: never)")
	flags.Var(seconds{&o.MaxConnectionAge}, "max-connection-age", "GOAWAY a connection this old (0: never)")
	flags.Var(seconds{&o.MaxConnectionAgeGrace}, "max-connection-age-grace", "calls' time to finish after an age GOAWAY")
	flags.Var(seconds{&o.StreamIdle}, "stream-idle-timeout", "end a stream silent both ways this long with DEADLINE_EXCEEDED (0: off)")
	noReflection := flags.Bool("no-reflection", false, "turn server reflection off")
	flags.StringVar(&o.TLSCert, "tls-cert", "", "serve TLS only, with this certificate chain (PEM)")
	flags.StringVar(&o.TLSKey, "tls-key", "", "the certificate's private key (PEM)")
	flags.StringVar(&o.TLSClientCA, "tls-client-ca", "", "require client certificates signed by this CA (PEM)")
	flags.StringVar(&o.TokenFile, "require-token", "", "Teams calls need 'authorization: Bearer <content of this file>'")
	flags.SetOutput(io.Discard) // a usage error is one line (below); --help prints the flags
	if err := flags.Parse(args); errors.Is(err, flag.ErrHelp) {
		flags.SetOutput(os.Stdout)
		flags.PrintDefaults()
		return 0
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "teams-server-go: error: %s (--help lists the flags)\n", err)
		return 2
	}
	usage := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "teams-server-go: error: "+format+"\n", args...)
		return 2
	}
	if flags.NArg() > 0 {
		return usage("unexpected arguments: %q", flags.Args())
	}
	if o.Port < 0 || o.Port > 65535 {
		return usage("--port must be between 0 and 65535, got %d", o.Port)
	}
	if o.MaxConcurrentCalls < 1 {
		return usage("--max-concurrent-calls must be >= 1")
	}
	if *format != "text" && *format != "json" {
		return usage("--log-format must be text or json, got %q", *format)
	}
	logLevel, err := server.ParseLevel(*level)
	if err != nil {
		return usage("%s", err)
	}
	if *logCalls {
		logLevel = server.Debug
	}
	o.Reflection = !*noReflection
	o.Redact = redact
	o.Log = server.NewLogger(logLevel, *format == "json")

	// Signals are caught before the server listens, so none is lost; the buffer keeps a second
	// one sent right after the first (docker kill twice).
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	s, err := server.New(o)
	if err != nil {
		o.Log.Printf(server.Error, "%s", err)
		return 2
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()

	select {
	case err := <-served:
		o.Log.Printf(server.Error, "%s", err)
		return 2
	case <-signals:
	}
	// The first signal drains: NOT_SERVING for load balancers to see, still answering. A second
	// one skips the drain; one more during the grace period stops at once.
	s.Drain()
	if drain > 0 {
		o.Log.Printf(server.Info, "draining: NOT_SERVING, still answering for %.1fs", drain.Seconds())
		select {
		case sig := <-signals:
			o.Log.Printf(server.Info, "second %s: skipping the drain", name(sig))
		case <-time.After(drain):
		}
	}
	now := make(chan struct{})
	go func() {
		<-signals
		close(now)
	}()
	s.Stop(now)
	if err := <-served; err != nil && !errors.Is(err, os.ErrClosed) {
		o.Log.Printf(server.Error, "%s", err)
	}
	o.Log.Printf(server.Info, "stopped")
	return 0
}

func name(sig os.Signal) string {
	if sig == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}
