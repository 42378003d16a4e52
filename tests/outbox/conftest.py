from tests.delegations.conftest import martin  # noqa: F401
