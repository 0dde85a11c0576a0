# Local stand-in for golang:1.23-bookworm (golang-1.23 from bookworm-backports).
ARG BASE=teams-interop/debian:bookworm
FROM ${BASE}
RUN printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/backports.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go \
 && apt-get install -y --no-install-recommends git gcc libc6-dev make pkg-config \
 && rm -rf /var/lib/apt/lists/*
# same layout as the official image: GOPATH=/go, go on PATH
ENV GOLANG_VERSION=1.23 \
    GOPATH=/go \
    PATH=/go/bin:/usr/lib/go-1.23/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go && go version
WORKDIR /go
