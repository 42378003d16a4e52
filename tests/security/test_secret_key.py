"""Without DEBUG, the site refuses to start with no SECRET_KEY (or the development one), and says what to set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
DEVELOPMENT_KEY = "django-insecure-dev-only-change-me-in-production-0123456789"


def load_settings(**variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "SECRET_KEY"))}
    env.update({name: value for name, value in variables.items() if value is not None})
    code = "import config.settings as s; print('SECRET_KEY', len(s.SECRET_KEY))"
    return subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(("debug", "secret_key"), [("0", None), (None, None), ("0", ""), ("0", DEVELOPMENT_KEY)])
def test_production_without_a_secret_key_refuses_to_start(debug, secret_key):
    result = load_settings(DEBUG=debug, SECRET_KEY=secret_key)
    assert result.returncode != 0
    assert "ImproperlyConfigured: La variable d'environnement SECRET_KEY n'est pas définie" in result.stderr
    assert "DEBUG=1" in result.stderr  # and what to do in development


@pytest.mark.parametrize(("debug", "secret_key"), [("1", None), ("0", "une-cle-de-production-" + "y" * 40)])
def test_development_or_a_real_key_starts(debug, secret_key):
    result = load_settings(DEBUG=debug, SECRET_KEY=secret_key)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["SECRET_KEY", str(len(secret_key or DEVELOPMENT_KEY))]
