"""A module that prints, logs and warns at import, from Python and from C's file descriptors."""

import logging
import os
import sys
import warnings

from tests.scan_fixture.compliant import CompliantLLM

print("noisy: printed at import")
sys.stderr.write("noisy: to stderr at import\n")
os.write(1, b"noisy: straight to file descriptor 1\n")
logging.getLogger("noisy").warning("noisy: logged at import")
warnings.warn("noisy: a warning at import", DeprecationWarning, stacklevel=1)


class NoisyLLM(CompliantLLM):
    """A compliant model whose module is noisy.

    API reference: https://docs.example-provider.com/api

    Example:
        .. code-block:: python

            llm = NoisyLLM()
            llm.invoke("hello")
    """

    def __init__(self, **kwargs):
        print("noisy: printed by the constructor")
        super().__init__(**kwargs)
