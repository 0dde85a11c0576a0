"""The Teams gRPC server: the tutorial's service, grown for the interop harness."""
