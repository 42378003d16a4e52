"""The test suite's settings: the application's, with a test-only SECRET_KEY.

Without DEBUG, config/settings.py refuses to start with no SECRET_KEY; the suite runs without DEBUG, and its
subprocesses (`manage.py check --deploy`…) inherit the key from this process's environment.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 50)

from config.settings import *  # noqa: E402, F403
