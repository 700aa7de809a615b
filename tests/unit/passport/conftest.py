import pytest
from passport_issuer import Installation


@pytest.fixture
def installation() -> Installation:
    return Installation()
