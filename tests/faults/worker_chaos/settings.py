"""The settings of the worker and scheduler processes started by the fault tests: the real
ones (DATABASE_URL and the rest from the environment) plus the test app's command."""

from ecandidat.settings import *  # noqa: F403
from ecandidat.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.faults.worker_chaos"]
