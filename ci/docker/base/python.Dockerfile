# Local stand-in for python:3.11-slim-bookworm (Debian's python3 3.11).
ARG BASE=teams-interop/debian:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-pip python-is-python3 \
 && rm -rf /var/lib/apt/lists/* \
 # the official image lets `pip install` into the system interpreter; Debian blocks it (PEP 668)
 && rm -f /usr/lib/python3.*/EXTERNALLY-MANAGED \
 && python3 --version && python --version && pip --version
CMD ["python3"]
