"""A real OpenID Connect provider for the tests, shaped like Pro Santé Connect.

`start_provider` runs tests/oidc/provider.js (the npm package oidc-provider, pinned by
tests/oidc/package-lock.json and installed by `npm ci --prefix tests/oidc`) with Node.js on a free port of
127.0.0.1, waits until its discovery document answers, and stops it at teardown.
"""

import contextlib
import json
import os
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from django.conf import settings as django_settings

OIDC_DIR = Path(django_settings.BASE_DIR) / "tests" / "oidc"
CLIENT_ID = "espace-medecins-tests"
CLIENT_SECRET = "secret-des-tests-" + "0" * 16

# PSC-shaped accounts, by the login typed at the provider. The demo doctors (demo/data.py), a person unknown
# to the directory, a low authentication level, and a claim set without a national identifier.
JEAN_MARTIN = "899700001011"
CLAIRE_DUBOIS = "899700001029"
UNKNOWN = "899700099998"
LOW_ACR = "faible-899700001011"
NO_IDENTIFIER = "sans-identifiant"


def psc_claims(national_id: str, given_name: str, family_name: str) -> dict:
    """What PSC's UserInfo says of a médecin libéral."""
    return {
        "SubjectNameID": national_id,
        "preferred_username": national_id,
        "given_name": given_name,
        "family_name": family_name,
        "SubjectRole": ["10^1.2.250.1.213.1.1.5.5"],
        "otherIds": [],
        "SubjectRefPro": {
            "codeCivilite": "M",
            "exercices": [
                {
                    "codeProfession": "10",
                    "nomDexercice": family_name,
                    "prenomDexercice": given_name,
                    "codeSavoirFaire": "SM54",
                    "activities": [
                        {
                            "codeModeExercice": "L",
                            "numeroSiretSite": "",
                            "raisonSocialeSite": "Cabinet médical",
                            "codePostal": "69003",
                            "codeCommune": "69383",
                            "telephone": "",
                            "adresseEMail": "",
                        }
                    ],
                }
            ],
        },
    }


ACCOUNTS = {
    # Names differ from the directory on purpose: PSC's never overwrite it.
    JEAN_MARTIN: {"acr": "eidas1", "authMode": "CARD", "claims": psc_claims(JEAN_MARTIN, "JEAN", "MARTIN-PSC")},
    CLAIRE_DUBOIS: {"acr": "eidas1", "authMode": "MOBILE", "claims": psc_claims(CLAIRE_DUBOIS, "CLAIRE", "DUBOIS")},
    UNKNOWN: {"acr": "eidas1", "authMode": "CARD", "claims": psc_claims(UNKNOWN, "INCONNU", "PERSONNE")},
    LOW_ACR: {"acr": "faible", "authMode": "CARD", "claims": psc_claims(JEAN_MARTIN, "JEAN", "MARTIN")},
    NO_IDENTIFIER: {
        "acr": "eidas1",
        "authMode": "CARD",
        "claims": {"given_name": "SANS", "family_name": "IDENTIFIANT", "SubjectRefPro": {"exercices": []}},
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def configure(self, settings) -> None:
        """Point the PSC settings at this provider (a standard discovery path)."""
        settings.PSC_ISSUER = self.issuer
        settings.PSC_DISCOVERY_URL = self.discovery_url
        settings.PSC_CLIENT_ID = CLIENT_ID
        settings.PSC_CLIENT_SECRET = CLIENT_SECRET
        settings.PSC_ACR_VALUES = "eidas1"
        settings.PSC_SCOPES = "openid scope_all"


# Node starts in a second or two alone; under the full suite on two busy cores a start once went past 60 s.
STARTUP_SECONDS = 180


@contextlib.contextmanager
def start_provider(
    *,
    redirect_uris: list[str],
    post_logout_redirect_uris: list[str],
    token_endpoint_auth_method: str = "client_secret_basic",  # noqa: S107 (a method's name, not a secret)
    client_auth_methods: list[str] | None = None,
):
    """The client is registered for `token_endpoint_auth_method` (the provider refuses any other);
    `client_auth_methods`: the only methods the discovery document offers (default: oidc-provider's)."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail("oidc-provider manque : lancez « make install-dev » (npm ci --prefix tests/oidc).")
    port = free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENTS": json.dumps(
            [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": redirect_uris,
                    "post_logout_redirect_uris": post_logout_redirect_uris,
                    "token_endpoint_auth_method": token_endpoint_auth_method,
                }
            ]
        ),
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    if client_auth_methods is not None:
        env["OIDC_CLIENT_AUTH_METHODS"] = json.dumps(client_auth_methods)
    # Its output goes to a file, not a pipe nobody reads (a full pipe would block the provider).
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(["node", "provider.js"], cwd=OIDC_DIR, env=env, stdout=output, stderr=output)
    provider = Provider(issuer=f"http://127.0.0.1:{port}", process=process)
    try:
        # Node starts in a second or two; on a machine busy with both test workers (and anything else) it once
        # took more than 20 s: the wait is bounded, not tight.
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                output.seek(0)
                pytest.fail(f"oidc-provider s'est arrêté : {output.read().decode(errors='replace')}")
            try:
                if requests.get(provider.discovery_url, timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                output.seek(0)
                said = output.read().decode(errors="replace")
                pytest.fail(f"oidc-provider ne répond pas après {STARTUP_SECONDS} s : {said}")
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def authenticate_at_provider(authorization_url: str, login: str, stop_at: str) -> str:
    """What a browser does at the provider: follow its redirects, submit « Identifiant », and return the
    URL it finally sends back to the client (the first redirect that starts with `stop_at`)."""
    browser = requests.Session()
    url = authorization_url
    for _ in range(10):
        if url.startswith(stop_at):
            return url
        response = browser.get(url, allow_redirects=False, timeout=5)
        if response.status_code in (302, 303):
            url = urljoin(url, response.headers["Location"])
            continue
        assert response.status_code == 200, response.text
        assert "/login" in response.text, response.text
        action = url.split("?")[0].rstrip("/") + "/login"
        response = browser.post(action, data={"login": login}, allow_redirects=False, timeout=5)
        assert response.status_code in (302, 303), response.text
        url = urljoin(url, response.headers["Location"])
    raise AssertionError("trop de redirections chez le fournisseur")
