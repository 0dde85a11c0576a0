"""The interop harness: cases -> matrix -> backend -> clients, then comparison and reports.

Used by both the ``interop`` command line (``python -m teams_interop``) and the pytest suite.
"""
