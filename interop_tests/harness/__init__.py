"""The interop harness: cases -> matrix -> backend -> clients, then comparison and reports.

Used by both the ``interop`` command line (``python -m harness``) and the pytest suite.
"""
