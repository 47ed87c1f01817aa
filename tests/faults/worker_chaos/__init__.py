"""A test-only app for the worker and scheduler fault tests: one management command, run as
a periodic job by the real worker and scheduler processes those tests start."""
