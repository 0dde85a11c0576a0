#!/bin/sh
# Lints each client (and the Go and Node servers) with its own ecosystem's tools: gofmt + go vet
# for Go, eslint for Node.
# (Python, the server and the harness are linted by ruff from tox.) Stubs are generated first,
# since go vet type-checks the generated package too.
set -eu
cd "$(dirname "$0")/.."
# the same pinned protoc the harness gives native builds (grpcio-tools'), never a system one
PATH=$(python -c 'from teams_interop import builds, paths; print(builds.protoc_on_path(paths.layout().work_dir))')
export PATH

for dir in clients/go clients/go-connect servers/go; do
  echo "== $dir: gofmt, go vet"
  (
    cd "$dir"
    sh build.sh
    unformatted=$(gofmt -l $(find . -name '*.go' -not -path './gen/*'))
    if [ -n "$unformatted" ]; then
      echo "gofmt would change: $unformatted" >&2
      exit 1
    fi
    go vet ./...
  )
done

for dir in clients/node servers/node; do
  echo "== $dir: eslint"
  (
    cd "$dir"
    npm ci --no-audit --no-fund --loglevel=error
    npm run --silent lint
  )
done

echo "== rust: cargo fmt"
(cd clients/rust && cargo fmt --check)
