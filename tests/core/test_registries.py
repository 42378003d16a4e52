"""core's registries: each app (or login method) declares its own rate limits and CSP origins; core names none.

The limits the apps register (PIN, Pro Santé Connect, admin login, searches) are proven by
tests/security/test_rate_limits.py and test_operators.py; here, the registry itself and core's ignorance.
"""

import ast
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import path

from accounts import methods
from core import csp, ratelimit
from core.ratelimit import MESSAGE, Rule
from tests.security.test_deploy_and_headers import directives

CORE = Path(ratelimit.__file__).resolve().parent
# What only another app may know: its URL names (« namespace:name »), its settings (PSC_…), its modules.
FOREIGN_NAME = re.compile(r"\b(accounts|admin|delegations|demo|directory|dossiers|journal|outbox|psc):[\w-]")
FOREIGN_SETTING = re.compile(r"\bPSC_[A-Z]")
RULE = Rule("essai", "RATELIMIT_ESSAI", "ip", ("GET",))


@pytest.fixture(autouse=True)
def fresh_registries(monkeypatch, settings):
    """The apps' registrations stay; what a test registers is forgotten after it."""
    monkeypatch.setattr(ratelimit, "_by_view_name", {k: list(v) for k, v in ratelimit._by_view_name.items()})
    monkeypatch.setattr(ratelimit, "_by_predicate", list(ratelimit._by_predicate))
    monkeypatch.setattr(csp, "_form_action_sources", list(csp._form_action_sources))
    settings.RATELIMIT_ESSAI = "2/m"


def assert_too_many(response):
    assert response.status_code == 429 and MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_a_rule_registered_for_a_view_name_limits_that_view_only():
    ratelimit.register("accounts:login", RULE)
    ratelimit.register("accounts:login", RULE)  # registered twice: still one count per request
    client = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(2):
        assert client.get("/connexion/").status_code == 200
    assert_too_many(client.get("/connexion/"))
    # Another view is not concerned, nor another address.
    assert client.get("/").status_code == 302
    assert Client(REMOTE_ADDR="203.0.113.51").get("/connexion/").status_code == 200


@pytest.mark.django_db
def test_a_rule_for_other_methods_does_not_stop_the_next_rule_from_counting():
    ratelimit.register("accounts:login", Rule("essai-post", "RATELIMIT_ESSAI", "ip", ("POST",)), RULE)
    client = Client(REMOTE_ADDR="203.0.113.54")
    for _ in range(2):
        assert client.get("/connexion/").status_code == 200
    assert_too_many(client.get("/connexion/"))


@pytest.mark.django_db
def test_a_condition_limits_only_the_requests_it_accepts():
    ratelimit.register("accounts:login", RULE, when=lambda request: "essai" in request.GET)
    client = Client(REMOTE_ADDR="203.0.113.52")
    for _ in range(3):
        assert client.get("/connexion/").status_code == 200
    for _ in range(2):
        assert client.get("/connexion/", {"essai": "1"}).status_code == 200
    assert_too_many(client.get("/connexion/", {"essai": "1"}))


@pytest.mark.django_db
def test_a_predicate_limits_a_family_of_views():
    ratelimit.register(lambda request: request.resolver_match.namespace == "accounts", RULE)
    client = Client(REMOTE_ADDR="203.0.113.53")
    for _ in range(2):
        assert client.get("/connexion/").status_code == 200
    assert_too_many(client.get("/connexion/"))
    assert client.get("/").status_code == 302  # the home page is in no namespace


def test_register_takes_rules_only():
    # Each mistake is told to the developer who made it, in full.
    needs_a_rule = r"^register\(\) needs at least one Rule$"
    with pytest.raises(TypeError, match=needs_a_rule):
        ratelimit.register("accounts:login")
    with pytest.raises(TypeError, match=needs_a_rule):
        ratelimit.register("accounts:login", "20/5m")
    with pytest.raises(TypeError, match=r"^a predicate carries its own condition: no `when`$"):
        ratelimit.register(lambda request: True, RULE, when=lambda request: True)
    with pytest.raises(TypeError, match=r"^view: a URL name or a predicate$"):
        ratelimit.register(42, RULE)


def test_a_login_method_view_without_a_name_cannot_escape_its_limits(monkeypatch):
    class Unnamed(methods.LoginMethod):
        rate_limits = (RULE,)

        def urlpatterns(self):
            return [path("", lambda request: None)]

    monkeypatch.setattr(methods, "configured_methods", lambda: [Unnamed()])
    with pytest.raises(ImproperlyConfigured):
        methods.register_methods()


@pytest.mark.django_db
def test_a_registered_source_adds_its_origins_to_form_action(settings):
    settings.PSC_ISSUER = ""
    settings.CSP_FORM_ACTION_ORIGINS = []
    assert directives(Client().get("/connexion/"))["form-action"] == ["'self'"]
    csp.register_form_action_origins(lambda: ["https://idp.example.fr/auth/realms/x", "", "pas une adresse"])
    policy = directives(Client().get("/connexion/"))
    assert policy["form-action"] == ["'self'", "https://idp.example.fr"]


def core_texts():
    """Every string constant and attribute name of core's Python code (docstrings and comments left out) and its
    templates."""
    for file in CORE.rglob("*.py"):
        if "migrations" in file.parts:
            continue
        tree = ast.parse(file.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                yield f"{file.relative_to(CORE)}:{node.lineno}", node.value
            elif isinstance(node, ast.Attribute):  # settings.PSC_ISSUER
                yield f"{file.relative_to(CORE)}:{node.lineno}", node.attr
    for file in (CORE / "templates").rglob("*.html"):
        yield str(file.relative_to(CORE)), file.read_text()


def test_core_names_no_view_nor_setting_of_the_apps_above_it():
    """core is below every app: the apps register their rules with it (import-linter forbids the imports; this,
    the names). A URL name or a PSC setting written in core fails here."""
    texts = list(core_texts())
    assert any("RATELIMIT_PROXY_COUNT" in text for _, text in texts)  # the scan reads core's settings names
    found = [(where, text) for where, text in texts if FOREIGN_NAME.search(text) or FOREIGN_SETTING.search(text)]
    assert not found, f"core connaît une autre application : {found}"
