"""Accuracy tooling: an independent arbitrary-precision oracle and ulp measurement.

Nothing here is imported by ``import gelu``; it needs python-flint.
"""
