#!/bin/sh
# Run in a Dockerfile's build stage right after
#   COPY ci/certs/ /usr/local/share/ca-certificates/extra/
# Trusts the extra CA certificates dropped in ci/certs/ (a TLS-intercepting proxy's, see
# README.md) in the system bundle. No certificate there: nothing to do.
set -eu
if command -v update-ca-certificates >/dev/null && ls /usr/local/share/ca-certificates/extra/*.crt >/dev/null 2>&1; then
  update-ca-certificates >/dev/null
fi
