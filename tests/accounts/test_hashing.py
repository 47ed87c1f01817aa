import time

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password


@pytest.mark.benchmark
def test_tuned_argon2_check_time(settings, bench):
    """Measures one password check with the production hasher (printed, not asserted)."""
    settings.PASSWORD_HASHERS = ["ecandidat.accounts.hashers.TunedArgon2PasswordHasher"]
    encoded = make_password("a long enough passphrase")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert "m=19456,t=2,p=1" in encoded
    timings = []
    for _ in range(10):
        start = time.perf_counter()
        assert check_password("a long enough passphrase", encoded)
        timings.append(time.perf_counter() - start)
    timings.sort()
    bench.report("argon2id check (median)", timings[5], f"max {timings[-1] * 1000:.1f} ms")
