"""The teams-server tests: a package, so its conftest does not shadow interop_tests/conftest."""
