"""Executors run workers somewhere: a local process pool, or Ray actors."""
