"""Tests of the job substrate (SPEC §6): the SQL API, the worker, concurrency and crashes."""
