"""Benchmarks: dataflow vs Apache Hamilton vs hand-written calls, in the same run."""
