#!/bin/sh
# Builds the grpclib client: a virtualenv with the pinned requirements, then teams_pb2.py (protobuf)
# and teams_grpc.py (grpclib's protoc plugin) generated from $TEAMS_PROTO_DIR/teams.proto into gen/
# by the protoc bundled with grpcio-tools. Nothing generated is committed.
set -eu
cd "$(dirname "$0")"
proto_dir=${TEAMS_PROTO_DIR:-../../proto}
venv=${TEAMS_CLIENT_VENV:-.venv}
python=${PYTHON:-python3}

# A virtualenv whose pip does not run (its creation was cut short: a full disk, a kill) is made anew.
"$venv/bin/python" -m pip --version >/dev/null 2>&1 || "$python" -m venv --clear "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
rm -rf gen && mkdir gen
"$venv/bin/python" -m grpc_tools.protoc -I"$proto_dir" \
  --plugin=protoc-gen-grpclib_python="$venv/bin/protoc-gen-grpclib_python" \
  --python_out=gen --grpclib_python_out=gen "$proto_dir/teams.proto"
