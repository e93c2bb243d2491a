"""The JSON depth bound is the same on every Python: reporter/jsontext.py counts nesting itself
(Python 3.11's parser gives up near 1,000 levels, 3.13's far deeper)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporter import jsontext


def reference_depth(text: str) -> int:
    """Deepest nesting of valid JSON text, by a plain state machine over its characters."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def value_depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((value_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((value_depth(v) for v in value), default=0)
    return 0


# strings full of what could fool a counter: brackets, quotes, backslashes, escapes, non-ASCII
tricky = st.text(alphabet=st.sampled_from('[]{}"\\/aé\u2028 \n\t'), max_size=12)
values = st.recursive(st.none() | st.booleans() | st.integers() | tricky,
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky, inner, max_size=4),
                      max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(values, st.booleans())
def test_counts_the_nesting_of_any_json_exactly(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    depth = value_depth(value)
    assert reference_depth(text) == depth  # the two independent routes agree first
    for limit in range(0, depth + 2):
        assert jsontext.nesting_exceeds(text, limit) == (depth > limit), (text, limit)


@pytest.mark.parametrize("text, deeper_than_500", [
    ("[" * 500 + "]" * 500, False),
    ("[" * 501 + "]" * 501, True),
    ('{"a":' * 501 + "1" + "}" * 501, True),
    ('["' + "[" * 600 + '"]', False),  # brackets inside a string do not nest
    ('["\\"' + "[" * 600 + '"]', False),  # nor after an escaped quote
    ('["\\\\",' + "[" * 600 + "]" * 600 + "]", True),  # an escaped backslash ends the string
    ("[" * 300 + '"x"' + "]" * 300 + "," + "[" * 300 + "]" * 300, False),  # two siblings of 300
])
def test_hand_cases(text, deeper_than_500):
    assert jsontext.nesting_exceeds(text) is deeper_than_500


def test_too_deep_is_refused_with_the_same_words_on_every_python():
    with pytest.raises(jsontext.TooDeep):
        jsontext.decode("[" * 501 + "]" * 501)
    assert jsontext.decode("[" * 500 + "]" * 500) is not None  # within the bound, every Python parses it
    with pytest.raises(ValueError, match=r"x\.json: JSON nested too deeply to read \(more than 500 levels\)"):
        jsontext.loads("[" * 5000 + "]" * 5000, "x.json", ValueError)
