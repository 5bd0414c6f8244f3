"""The examples in the docstrings of the core formulas run, and give what they say."""
import doctest
import importlib

import pytest

#: Modules whose docstrings hold examples: eq. (1), the camera rule, placements and boxes.
MODULES = ("artlib.score", "artlib.compose", "artlib.world.oracle", "artlib.evaluate.measures")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
