# Local stand-in for rust:1-bookworm (the official image is not reachable here), from Debian
# packages only: rustc-web/cargo-web from bookworm-security. Debian keeps that toolchain current
# on bookworm for Firefox and Chromium (1.96 at the time of writing) and installs it as plain
# /usr/bin/rustc and /usr/bin/cargo. Bookworm's own rustc (1.63) is too old for tonic (which
# needs 1.88), and trixie's (1.85) too; trixie-backports would mix in trixie's libc.
ARG BASE=teams-interop/debian:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends cargo-web rustc-web gcc libc6-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Same layout as the official image: CARGO_HOME=/usr/local/cargo, writable by any user.
ENV CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /usr/local/cargo/bin && chmod -R 1777 /usr/local/cargo \
 && cargo --version && rustc --version
WORKDIR /usr/src
