import pytest

# The helpers compare messages with plain asserts: have pytest explain their failures too.
pytest.register_assert_rewrite("tests.system.expected", "tests.system.outbound_api")
