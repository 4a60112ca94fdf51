"""The project's own tests, which the plugin must leave alone."""

import asyncio

import pytest


def test_plain():
    assert 1 + 1 == 2


@pytest.mark.asyncio
async def test_async():
    await asyncio.sleep(0)
