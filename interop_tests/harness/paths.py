"""Where things live in a checkout; every other module asks here."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROTO_DIR = REPO / "proto"
SERVER_DIR = REPO / "python_server"
CLIENTS_DIR = REPO / "clients"
CASES_DIR = REPO / "interop_tests" / "cases"
CONTRACT_SCHEMA = CLIENTS_DIR / "contract.schema.json"
WORK_DIR = REPO / ".interop"  # builds, stamps and reports; git-ignored
