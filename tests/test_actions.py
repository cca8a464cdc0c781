"""The action declaration and what derives from it: schema, prompt text, parser."""

from __future__ import annotations

import json

import jsonschema
import pytest

from mira_agent.browser.actions import (
    ACTIONS,
    Action,
    ActionParseError,
    action_schema,
    describe_actions,
    parse_action,
)


def test_the_schema_has_one_variant_per_declared_action() -> None:
    names = [v["properties"]["action"]["const"] for v in action_schema()["oneOf"]]
    assert names == [spec.name for spec in ACTIONS]


def test_with_page_ids_the_schema_only_admits_those_elements() -> None:
    schema = action_schema(["3", "7"])
    jsonschema.validate({"action": "click", "element": "7"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"action": "click", "element": "1234567890101111"}, schema)


def test_on_a_page_with_no_elements_element_actions_drop_out() -> None:
    names = {v["properties"]["action"]["const"] for v in action_schema([])["oneOf"]}
    assert "click" not in names and "type" not in names
    assert {"scroll", "goto", "stop", "press"} <= names


def test_every_free_text_field_is_bounded_so_a_grammar_cannot_run_away() -> None:
    for variant in action_schema()["oneOf"]:
        for name, prop in variant["properties"].items():
            if prop.get("type") == "string":
                assert "enum" in prop or "maxLength" in prop, name


def test_the_description_names_every_action_and_its_examples_parse() -> None:
    text = describe_actions()
    lines = text.splitlines()
    assert len(lines) == len(ACTIONS)
    for spec, line in zip(ACTIONS, lines, strict=True):
        example = json.loads(line.split(" - ", 1)[0])
        assert parse_action(example).name == spec.name


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ('{"action": "click", "element": "12"}', Action("click", {"element": "12"})),
        ('{"action": "click", "element": 12}', Action("click", {"element": "12"})),
        ("click([12])", Action("click", {"element": "12"})),
        ("Thought: the button.\nclick(12)", Action("click", {"element": "12"})),
        (
            'type(5, "Boston (BOS)", enter=True)',
            Action("type", {"element": "5", "text": "Boston (BOS)", "enter": True}),
        ),
        ('select(4, option="Business")', Action("select", {"element": "4", "option": "Business"})),
        ('scroll("down")', Action("scroll", {"direction": "down"})),
        ("switch_tab(1)", Action("switch_tab", {"index": 1})),
        ("answer_dialog(false)", Action("answer_dialog", {"accept": False})),
        ('{"thought": "done", "action": "stop", "answer": "42"}', Action("stop", {"answer": "42"})),
        ("stop()", Action("stop", {})),
        ('click("3.14")', Action("click", {"element": "3.14"})),
    ],
)
def test_actions_parse_from_json_and_from_calls(output: str, expected: Action) -> None:
    assert parse_action(output) == expected


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("", "empty output"),
        ("I think I should look around", "no action found"),
        ('{"action": "fly"}', "unknown action 'fly'"),
        ('{"action": "click"}', "click needs 'element'"),
        ('{"action": "click", "element": "abc"}', "must be an element id"),
        ('{"action": "click", "element": true}', "must be an element id"),
        ('{"action": "click", "element": "1", "force": true}', "takes no argument 'force'"),
        ('scroll("sideways")', "must be one of up, down, left, right"),
        ("wait(60)", "at most 10"),
        ("switch_tab(1.5)", "whole number"),
        ("click(__import__('os'))", "plain values"),
        ('type(1, "a", "b", "c")', "at most 3 arguments"),
        ('answer_dialog("maybe")', "true or false"),
    ],
)
def test_bad_outputs_are_rejected_with_a_message_for_the_model(output: str, message: str) -> None:
    with pytest.raises(ActionParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_action(output)


def test_parsing_never_runs_the_models_text() -> None:
    with pytest.raises(ActionParseError):
        parse_action("click(open('/etc/passwd').read())")


def test_bounded_numbers_are_spelled_out_so_a_grammar_cannot_exceed_them() -> None:
    schema = action_schema()
    switch = next(v for v in schema["oneOf"] if v["properties"]["action"]["const"] == "switch_tab")
    assert switch["properties"]["index"]["enum"] == list(range(100))
    for variant in schema["oneOf"]:
        for prop in variant["properties"].values():
            if prop.get("type") in ("integer", "number"):
                assert "enum" in prop


def test_fill_takes_fields_and_values_in_order_and_refuses_a_mismatch() -> None:
    action = parse_action(
        '{"action": "fill", "elements": ["4", "5", "6"], "values": ["Ada", "Economy", true]}'
    )
    assert action.typed() == [("4", "Ada"), ("5", "Economy"), ("6", "true")]
    assert parse_action('fill(["4", "5"], ["Ada", "Lovelace"])').args["values"] == [
        "Ada",
        "Lovelace",
    ]
    with pytest.raises(ActionParseError, match="one value per field: 2 elements, 1 values"):
        parse_action({"action": "fill", "elements": ["4", "5"], "values": ["Ada"]})
    with pytest.raises(ActionParseError, match="1 to 8"):
        parse_action(
            {"action": "fill", "elements": [str(i) for i in range(9)], "values": ["x"] * 9}
        )
    with pytest.raises(ActionParseError, match="element id"):
        parse_action({"action": "fill", "elements": ["name"], "values": ["Ada"]})


def test_fill_schema_limits_its_fields_to_the_page_ids() -> None:
    variants = {v["properties"]["action"]["const"]: v for v in action_schema(["4", "5"])["oneOf"]}
    elements = variants["fill"]["properties"]["elements"]
    assert elements["items"] == {"type": "string", "enum": ["4", "5"]}
    assert elements["maxItems"] == 8 and variants["fill"]["required"] == [
        "action",
        "elements",
        "values",
    ]
    assert "fill" not in {v["properties"]["action"]["const"] for v in action_schema([])["oneOf"]}
