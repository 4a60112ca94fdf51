"""The echo chat models' tool-call rules, read off ``reference_llm.tool_calls`` directly."""

from __future__ import annotations

import json

import pytest

from reference_llm.tool_calls import (
    MAX_SCHEMA_DEPTH,
    forced_name,
    mentioned,
    output_characters,
    placeholder_object,
    placeholder_value,
    plan_calls,
)


def tool(name: str, parameters: dict | None = None) -> dict:
    function = {"name": name, "description": f"the {name} tool"}
    if parameters is not None:
        function["parameters"] = parameters
    return {"type": "function", "function": function}


WEATHER = tool("get_weather", {"type": "object", "properties": {"city": {"type": "string"}}})
ADDER = tool(
    "add",
    {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    },
)


def test_a_mentioned_tool_is_called_with_placeholder_args():
    (call,) = plan_calls("use get_weather", "use get_weather", [WEATHER, ADDER])
    assert (call.index, call.name, call.args) == (0, "get_weather", {"city": "use get_weather"})
    assert call.id.startswith("call_")
    assert len(call.id) > 10
    assert json.loads(call.arguments) == call.args


def test_no_mention_no_call():
    assert plan_calls("what is the weather?", "what is the weather?", [WEATHER, ADDER]) == []


def test_two_mentions_give_two_calls_in_mention_order_with_distinct_indexes_and_ids():
    calls = plan_calls(
        "first add, then get_weather", "first add, then get_weather", [WEATHER, ADDER]
    )
    assert [(c.index, c.name) for c in calls] == [(0, "add"), (1, "get_weather")]
    assert calls[0].id != calls[1].id


def test_ids_are_unique_across_answers():
    assert plan_calls("add", "add", [ADDER])[0].id != plan_calls("add", "add", [ADDER])[0].id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call magic_function(3)", ["magic_function"]),
        ("call magic_function_no_args()", ["magic_function_no_args"]),
        ("Magic_function", []),  # case-sensitive
        ("xmagic_function", []),  # a whole word only
        (
            "magic_function_no_args then magic_function",
            ["magic_function_no_args", "magic_function"],
        ),
    ],
)
def test_mentions_are_whole_words(text, expected):
    assert mentioned(text, ["magic_function", "magic_function_no_args"]) == expected


def test_tool_choice_none_never_calls():
    assert plan_calls("add", "add", [ADDER], "none") == []


@pytest.mark.parametrize("choice", ["required", "any"])
def test_a_forcing_choice_calls_the_first_tool_when_none_is_named(choice):
    assert [c.name for c in plan_calls("hello", "hello", [WEATHER, ADDER], choice)] == [
        "get_weather"
    ]
    assert [c.name for c in plan_calls("add", "add", [WEATHER, ADDER], choice)] == ["add"]


def test_a_named_choice_calls_that_tool_only():
    assert [c.name for c in plan_calls("get_weather", "get_weather", [WEATHER, ADDER], "add")] == [
        "add"
    ]


def test_names_are_searched_in_the_whole_question_not_the_echoed_text():
    (call,) = plan_calls("a long question for add", "a lo", [ADDER, WEATHER])
    assert call.name == "add"
    (weather,) = plan_calls("get_weather", "get", [WEATHER])
    assert weather.args == {"city": "get"}


def test_a_tool_result_after_the_question_ends_the_calls_unless_forced():
    assert plan_calls("add", "add", [ADDER], answered=True) == []
    assert [c.name for c in plan_calls("add", "add", [ADDER], "required", answered=True)] == ["add"]


@pytest.mark.parametrize(
    ("choice", "names", "message"),
    [
        ("nope", ["add"], "neither one of"),
        ("required", [], "needs at least one tool"),
        ("any", [], "needs at least one tool"),
    ],
)
def test_bad_tool_choices_are_refused(choice, names, message):
    with pytest.raises(ValueError, match=message):
        forced_name(choice, names)


def test_a_tool_without_a_name_is_refused():
    with pytest.raises(ValueError, match="a tool must be"):
        plan_calls("x", "x", [{"type": "function", "function": {}}])


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "echo"),
        ({"type": "integer"}, 0),
        ({"type": "number"}, 0),
        ({"type": "boolean"}, False),
        ({"type": "array", "items": {"type": "string"}}, []),
        ({"type": "null"}, None),
        ({"type": "string", "default": "d"}, "d"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}, None),
        ({"anyOf": [{"type": "null"}, {"type": "integer"}]}, 0),
        ({"type": ["null", "boolean"]}, False),
        ({"enum": ["red", "green"]}, "red"),
        ({"const": 7}, 7),
        ({"type": "object", "properties": {"x": {"type": "integer"}}}, {"x": 0}),
        ({"type": "object", "additionalProperties": True}, {}),
        ("not a schema", None),
    ],
)
def test_placeholder_values_fit_the_schema(schema, expected):
    assert placeholder_value(schema, "echo") == expected


def test_placeholders_of_a_recursive_schema_stay_finite():
    schema: dict = {"type": "object", "properties": {}}
    schema["properties"]["child"] = schema  # a cycle
    value = placeholder_object(schema, "t")
    depth = 0
    while value:
        value = value["child"]
        depth += 1
    assert depth == MAX_SCHEMA_DEPTH


def test_a_tool_without_parameters_gets_empty_args():
    (call,) = plan_calls("ping", "ping", [tool("ping")])
    assert call.args == {}
    assert call.arguments == "{}"


def test_output_is_counted_in_characters():
    (call,) = plan_calls("add", "add", [ADDER])
    assert output_characters("", [call]) == len("add") + len('{"a": 0, "b": 0}')
    assert output_characters("hello", []) == 5
