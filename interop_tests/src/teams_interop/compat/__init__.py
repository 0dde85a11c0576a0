"""``interop compat``: is the working tree's proto compatible with another version of it?

Two checks, one verdict. The static one is buf's breaking-change rules (buf.yaml) on the two
protos. The dynamic one builds the server and every client from each version and runs every
client version against every server version, each compared with what it saw against its own
version. The verdict puts them together, and says of each static finding whether the wire showed it.

- ``trees``: where a version's code comes from (working tree, git ref, test pair), copied into a
  content-named folder under .interop/compat/;
- ``build``: the native backend over such trees, with the proto-independent parts shared;
- ``static``: buf, pinned in ci/buf; ``elements``: what a finding is about, which cases reach it;
- ``skew``: the version-skew runs and their differences; ``verdict``: the two put together;
- ``check``: one whole check; ``report``: summary and JSON; ``command``: the CLI;
- ``pairs``: the test pairs of interop_tests/compat/.
"""
