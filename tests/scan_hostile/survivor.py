"""A plain class next to the hostile modules: still reported."""

from tests.scan_fixture.compliant import CompliantLLM


class Survivor(CompliantLLM):
    """Survives its neighbours.

    API reference: https://docs.example-provider.com/api

    Example:
        .. code-block:: python

            llm = Survivor()
            llm.invoke("hello")
    """
