from tests.delegations.conftest import martin, sophie  # noqa: F401
