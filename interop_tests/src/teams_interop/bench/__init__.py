"""``interop bench``: a performance matrix, every client language x RPC kind x server.

Each client drives a bounded load through its contract executor (the ``bench`` request field of
clients/CONTRACT.md: N calls of one RPC at most C in flight, answered with calls, errors, wall
time and latency percentiles), against each server under test and, in the same run and the same
client process, against the Go reference server. Both servers start without ``--test-hooks`` on
loopback. The figure that compares servers is a *ratio*: the calls per second the server under
test gave a client, divided by the calls per second the Go reference gave the same client for the
same RPC kind in the same run (1.0: as fast as the reference for that client).

``plan`` (options and the request lines), ``runner`` (driving the clients, the watchdog), ``model``
(measurements, medians, ratios, JSON), ``report`` (Markdown, the HTML page with its SVG chart).
"""
