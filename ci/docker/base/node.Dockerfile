# Local stand-in for node:18-bookworm / node:20-bookworm (Debian's nodejs 18 + npm).
ARG BASE=teams-interop/debian:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/* \
 && node --version && npm --version
CMD ["node"]
