"""Fixtures of the hardening tests (on top of tests/conftest.py)."""
from __future__ import annotations

import pytest
from flask import Flask

from tests.hardening.world import World, build_world


@pytest.fixture
def world(app: Flask) -> World:
    """Two kecamatan with data and one user (and token) per role; see tests/hardening/world.py."""
    return build_world(app)
