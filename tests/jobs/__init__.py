"""Tests of the job substrate (docs/architecture.md, "The job lifecycle"): the SQL API, the worker,
concurrency and crashes."""
