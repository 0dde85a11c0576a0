#!/bin/sh
# Builds the Python client: a virtualenv with the pinned requirements, then stubs generated from
# $TEAMS_PROTO_DIR/teams.proto with grpcio-tools into gen/ (never committed).
set -eu
cd "$(dirname "$0")"
proto_dir=${TEAMS_PROTO_DIR:-../../proto}
venv=${TEAMS_CLIENT_VENV:-.venv}
python=${PYTHON:-python3}

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
rm -rf gen && mkdir gen
"$venv/bin/python" -m grpc_tools.protoc -I"$proto_dir" \
  --python_out=gen --grpc_python_out=gen "$proto_dir/teams.proto"
