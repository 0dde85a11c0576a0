#!/bin/sh
# Lints the GitHub Actions workflows we ship for users (ci/github/*.yml) with actionlint: syntax,
# expressions and contexts (matrix.*, needs, steps.*.outputs), action inputs of known actions,
# runner labels, and the `run:` scripts with shellcheck when it is on PATH (Debian: `apt-get
# install shellcheck`). actionlint discovers .github/workflows by itself; ours live elsewhere,
# so the files are passed as arguments, which it lints wherever they are.
#
# actionlint is a Go program, installed (pinned) with `go install` into $(go env GOPATH)/bin
# when missing or at another version.
set -eu
cd "$(dirname "$0")/.."

ACTIONLINT_VERSION=v1.7.12
bin="$(go env GOPATH)/bin/actionlint"
if [ ! -x "$bin" ] || [ "$("$bin" -version | head -n 1)" != "$ACTIONLINT_VERSION" ]; then
  echo "== installing actionlint $ACTIONLINT_VERSION"
  go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

if ! command -v shellcheck >/dev/null 2>&1; then
  echo "note: shellcheck not found; run: scripts are not checked (apt-get install shellcheck)" >&2
fi

echo "== actionlint $ACTIONLINT_VERSION: ci/github/*.yml .github/workflows/*.yml"
"$bin" -no-color ci/github/*.yml .github/workflows/*.yml
echo "actionlint: no problems"
