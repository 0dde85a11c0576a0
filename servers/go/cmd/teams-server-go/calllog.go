package main

import "flag"

// logCalls turns the per-call log off. On by default (the interop runs read it); the throughput
// bench (ci/bench-server.sh) turns it off, as the Python server's default (calls at DEBUG, the
// level INFO) has it off.
var logCalls = flag.Bool("log-calls", true, "log each call's method and metadata on stderr")
