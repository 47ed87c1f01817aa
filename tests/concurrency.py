"""Running one action in many threads at once (the PostgreSQL concurrency tests)."""

import threading

from django.db import connections


def race(n: int, action, *, refused: tuple[type[BaseException], ...]) -> list:
    """Start ``action`` in ``n`` threads released together; each outcome is what it
    returned ("ok" when nothing), "refused" for an exception of ``refused``, or the repr of
    any other exception (so that the test's assertion shows it)."""
    barrier = threading.Barrier(n)
    outcomes = []

    def worker():
        try:
            barrier.wait()
            result = action()
            outcomes.append("ok" if result is None else result)
        except refused:
            outcomes.append("refused")
        except Exception as exc:  # pragma: no cover - reported by the assertion
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
