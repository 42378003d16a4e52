"""The DSFR stylesheets load outside DEBUG: no `integrity` checksum of django-dsfr's original files on the files
the manifest storage rewrote (the browser refused them, and every page was drawn without style)."""

import hashlib
import json
import os
import re
import subprocess
import sys
from base64 import b64encode
from pathlib import Path

import dsfr
import pytest
from django.template import Context, Template
from dsfr.checksums import INTEGRITY_CSS

ROOT = Path(__file__).resolve().parents[2]


def test_the_checksum_is_of_the_original_stylesheet_which_refers_to_other_files():
    """Why it cannot be kept with the manifest storage: the storage rewrites each url() of a stylesheet to the
    hashed file name, so the file served is no longer the one the checksum is of."""
    original = (Path(dsfr.__file__).parent / "static" / "dsfr/dist/dsfr/dsfr.min.css").read_bytes()
    assert "sha384-" + b64encode(hashlib.sha384(original).digest()).decode() == INTEGRITY_CSS
    assert re.search(rb"url\((?!\"?data:)", original)


@pytest.mark.parametrize(("debug", "storage", "checksums"), [("0", "Manifest", False), ("1", "StaticFiles", True)])
def test_checksums_only_where_the_files_are_served_as_they_are(debug, storage, checksums):
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.STORAGES['staticfiles']['BACKEND'], s.DSFR_USE_INTEGRITY_CHECKSUMS]))"
    )
    env = {**os.environ, "DEBUG": debug, "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    backend, used = json.loads(out.stdout)
    assert storage in backend and used is checksums


def test_the_tags_follow_the_setting(settings):
    def head() -> str:
        return Template("{% load dsfr_tags %}{% dsfr_css %}{% dsfr_js %}").render(Context({}))

    settings.DSFR_USE_INTEGRITY_CHECKSUMS = False
    assert "integrity=" not in head()
    settings.DSFR_USE_INTEGRITY_CHECKSUMS = True
    assert "integrity=" in head()
