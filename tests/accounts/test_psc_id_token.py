"""The ID token checks of the PSC login, on tokens signed here: signature, issuer, audience, expiry, nonce."""

import time

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from accounts.methods import psc

ISSUER = "https://psc.example.test/auth/realms/esante-wallet"
CLIENT_ID = "espace-medecins"
NONCE = "le-nonce-de-la-demande"
PROVIDER_KEY = RSAKey.generate_key(2048, parameters={"kid": "psc-1", "alg": "RS256", "use": "sig"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "psc-1", "alg": "RS256", "use": "sig"})


@pytest.fixture(autouse=True)
def psc_settings(settings):
    settings.PSC_ISSUER = ISSUER
    settings.PSC_CLIENT_ID = CLIENT_ID
    settings.PSC_CLIENT_SECRET = "secret"


def client():
    metadata = {
        "issuer": ISSUER,
        "jwks": {"keys": [PROVIDER_KEY.as_dict(private=False)]},
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    return psc.oauth_client(metadata)


def id_token(key=PROVIDER_KEY, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS20230101",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "acr": "eidas1",
        "authMode": "CARD",
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return {"id_token": jwt.encode({"alg": "RS256", "kid": "psc-1"}, claims, key)}


def test_a_well_formed_token_is_accepted():
    claims = psc.validate_id_token(client(), id_token(), nonce=NONCE)
    assert claims["acr"] == "eidas1" and claims["authMode"] == "CARD"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: id_token(key=OTHER_KEY), id="wrongly-signed"),
        pytest.param(lambda: id_token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), id="expired"),
        pytest.param(lambda: id_token(aud="un-autre-client"), id="other-audience"),
        pytest.param(lambda: id_token(iss="https://faux-fournisseur.example.test"), id="other-issuer"),
        pytest.param(lambda: id_token(nonce="un-autre-nonce"), id="other-nonce"),
        pytest.param(lambda: id_token(nonce=None), id="no-nonce"),
        pytest.param(lambda: id_token(exp=None), id="no-expiry"),
    ],
)
def test_a_bad_token_is_refused_with_a_french_message(token, caplog):
    bad = token()
    with pytest.raises(psc.PscError) as refused:
        psc.validate_id_token(client(), bad, nonce=NONCE)
    assert refused.value.status == 400 and "n'a pas pu être vérifiée" in refused.value.message
    assert bad["id_token"] not in caplog.text


def test_an_unsigned_token_is_refused():
    # {"alg": "none"} and the claims of a good token, without signature.
    unsigned = {"id_token": "eyJhbGciOiJub25lIn0." + id_token()["id_token"].split(".")[1] + "."}
    with pytest.raises(psc.PscError):
        psc.validate_id_token(client(), unsigned, nonce=NONCE)


def test_a_response_without_id_token_is_refused():
    with pytest.raises(psc.PscError):
        psc.validate_id_token(client(), {"access_token": "x"}, nonce=NONCE)


def test_the_acr_must_be_one_of_the_configured_values(settings):
    settings.PSC_ACR_VALUES = "eidas1 eidas2"
    assert psc.accepted_acr_values() == ["eidas1", "eidas2"]
