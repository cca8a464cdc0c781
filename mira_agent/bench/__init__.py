"""Benchmarks: suites of tasks with checkers, a runner with workers, and the report."""
