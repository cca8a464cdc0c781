"""The action set, declared once.

`ACTIONS` is the single declaration. From it come the JSON schema a constrained decoder
uses (`action_schema`), the text that tells a model what it may do (`describe_actions`),
and the parser that turns a model's output into a typed `Action` (`parse_action`). The
executor (`executor.py`) has one handler per declared name, and a test keeps the two in
step. Model output is parsed, never run: no `eval`, no page scripts written by a model.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

ParamKind = Literal["element", "string", "integer", "number", "boolean", "elements", "strings"]
LIST_KINDS = {"elements": "element", "strings": "string"}  # a list of values of that kind


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = 400
    minimum: float | None = None
    maximum: float | None = None
    max_items: int = 8  # for the list kinds


@dataclass(frozen=True)
class ActionSpec:
    name: str
    description: str
    params: tuple[Param, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


ELEMENT = Param("element", "element", "id of an element in the observation, e.g. 12")

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("click", "Click an element.", (ELEMENT,)),
    ActionSpec(
        "type",
        "Replace the text of a field with `text`; `enter` presses Enter afterwards.",
        (
            ELEMENT,
            Param("text", "string", "the text to type"),
            Param("enter", "boolean", "press Enter after typing", required=False),
        ),
    ),
    ActionSpec(
        "fill",
        "Fill several fields of one form in one step: `elements` lists the fields' ids and"
        " `values` their values, in the same order (a text field gets the text, a drop-down"
        " list the option's text, a checkbox or radio button true or false).",
        (
            Param("elements", "elements", "the fields' ids"),
            Param("values", "strings", "one value per field", max_length=200),
        ),
    ),
    ActionSpec(
        "select",
        "Choose an option of a drop-down list by its visible text.",
        (ELEMENT, Param("option", "string", "the option's text", max_length=200)),
    ),
    ActionSpec("hover", "Move the mouse over an element.", (ELEMENT,)),
    ActionSpec(
        "press",
        "Press a key or a combination on the focused element, e.g. Enter, Tab, Control+A.",
        (Param("key", "string", "the key, as Playwright names keys", max_length=40),),
    ),
    ActionSpec(
        "scroll",
        "Scroll the page, or the element given, by about one screen.",
        (
            Param("direction", "string", "which way", choices=("up", "down", "left", "right")),
            Param("element", "element", "a scrollable element (default: the page)", required=False),
        ),
    ),
    ActionSpec("goto", "Open a URL in the current tab.", (Param("url", "string", "the URL"),)),
    ActionSpec("back", "Go back one page in the tab's history."),
    ActionSpec("forward", "Go forward one page in the tab's history."),
    ActionSpec(
        "new_tab",
        "Open a new tab, at `url` when given, and make it active.",
        (Param("url", "string", "the URL to open", required=False),),
    ),
    ActionSpec(
        "switch_tab",
        "Make another tab active.",
        (Param("index", "integer", "the tab's number in the tab list", minimum=0, maximum=99),),
    ),
    ActionSpec(
        "close_tab",
        "Close a tab (default: the active one).",
        (Param("index", "integer", "the tab's number", required=False, minimum=0, maximum=99),),
    ),
    ActionSpec(
        "answer_dialog",
        "Answer the page's alert, confirm or prompt dialog.",
        (
            Param("accept", "boolean", "true for OK, false for Cancel"),
            Param("text", "string", "the text to enter in a prompt dialog", required=False),
        ),
    ),
    ActionSpec(
        "upload",
        "Give a file input a file from this computer.",
        (ELEMENT, Param("path", "string", "the file's path")),
    ),
    ActionSpec(
        "wait",
        "Wait for the page to change (at most 10 seconds).",
        (Param("seconds", "integer", "how long", required=False, minimum=0, maximum=10),),
    ),
    ActionSpec(
        "replan",
        "Say that the current milestone cannot be reached this way, and why: the plan is revised.",
        (Param("reason", "string", "why it cannot be done", max_length=160),),
    ),
    ActionSpec(
        "ask_user",
        "Ask the user for something only they know (a code, a choice); the run waits for it.",
        (Param("question", "string", "the question", max_length=200),),
    ),
    ActionSpec(
        "stop",
        "Finish the task, with the answer when the task asks a question.",
        (
            Param(
                "answer",
                "string",
                "the answer, or a short summary of what was done",
                required=False,
            ),
        ),
    ),
)

ACTIONS_BY_NAME: dict[str, ActionSpec] = {spec.name: spec for spec in ACTIONS}
# What still works while a JavaScript dialog blocks the page (the executor refuses the rest).
WHILE_DIALOG = ("answer_dialog", "wait", "stop", "ask_user", "replan")


def available_actions(dialog_open: bool) -> tuple[ActionSpec, ...]:
    """The actions the model is shown and allowed: all of them, or, while a dialog
    blocks the page, only those that can still run."""
    if not dialog_open:
        return ACTIONS
    return tuple(spec for spec in ACTIONS if spec.name in WHILE_DIALOG)


ELEMENT_ID = re.compile(r"^[0-9]+(\.[0-9]+)*$")


class ActionParseError(ValueError):
    """The model's output is not a valid action; the message says why, for the next prompt."""


@dataclass(frozen=True)
class Action:
    """A parsed, validated action: a declared name and its arguments."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def element(self) -> str | None:
        value = self.args.get("element")
        return str(value) if value is not None else None

    def typed(self) -> list[tuple[str, str]]:
        """(element, text) for each field this action writes text into."""
        if self.name == "type":
            return [(str(self.args["element"]), str(self.args["text"]))]
        if self.name == "fill":
            return list(zip(self.args["elements"], self.args["values"], strict=True))
        return []

    def to_json(self) -> dict[str, Any]:
        return {"action": self.name, **self.args}

    def __str__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.name}({inner})"


# -- the schema ----------------------------------------------------------------------


def _param_schema(param: Param, element_ids: Sequence[str] | None) -> dict[str, Any]:
    if param.kind in LIST_KINDS:
        item = _param_schema(replace(param, kind=LIST_KINDS[param.kind]), element_ids)  # type: ignore[arg-type]
        return {"type": "array", "items": item, "minItems": 1, "maxItems": param.max_items}
    if param.kind == "element":
        if element_ids:
            return {"type": "string", "enum": list(element_ids)}
        return {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)*$", "maxLength": 12}
    if param.kind == "string":
        if param.choices:
            return {"type": "string", "enum": list(param.choices)}
        return {"type": "string", "maxLength": param.max_length}
    if param.kind == "boolean":
        return {"type": "boolean"}
    if param.kind == "integer" and param.minimum is not None and param.maximum is not None:
        # Grammar builders ignore minimum/maximum (llama-cpp-python's does): a bounded
        # integer is spelled out, so a sampled number can never run past its range.
        return {"type": "integer", "enum": list(range(int(param.minimum), int(param.maximum) + 1))}
    schema: dict[str, Any] = {"type": "integer" if param.kind == "integer" else "number"}
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    return schema


def action_schema(
    element_ids: Sequence[str] | None = None, actions: Sequence[ActionSpec] = ACTIONS
) -> dict[str, Any]:
    """JSON schema of one action. With `element_ids`, elements are limited to those ids,
    so a constrained decoder cannot invent an element that is not on the page."""
    variants = []
    for spec in actions:
        properties: dict[str, Any] = {"action": {"const": spec.name}}
        required = ["action"]
        for param in spec.params:
            if (
                param.kind in ("element", "elements")
                and element_ids is not None
                and not element_ids
            ):
                continue
            properties[param.name] = _param_schema(param, element_ids)
            if param.required:
                required.append(param.name)
        if (
            any(p.kind in ("element", "elements") and p.required for p in spec.params)
            and element_ids is not None
            and not element_ids
        ):
            continue  # no element on the page: element actions are impossible
        variants.append(
            {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            }
        )
    return {"oneOf": variants}


# -- the description for a prompt -------------------------------------------------------


def describe_actions(actions: Sequence[ActionSpec] = ACTIONS) -> str:
    """One line per action: its JSON form and what it does."""
    lines = []
    for spec in actions:
        fields = [f'"action": "{spec.name}"']
        for p in spec.params:
            placeholder = {
                "element": '"12"',
                "string": f'"{p.choices[0]}"' if p.choices else f'"<{p.name}>"',
                "integer": "0",
                "number": "1",
                "boolean": "true",
                "elements": '["12", "13"]',
                "strings": '["<value>", "<value>"]',
            }[p.kind]
            fields.append(f'"{p.name}": {placeholder}')
        optional = [p.name for p in spec.params if not p.required]
        note = f" Optional: {', '.join(optional)}." if optional else ""
        for p in spec.params:
            if p.choices:
                note += f" {p.name} is one of: {', '.join(p.choices)}."
        lines.append("{" + ", ".join(fields) + "} - " + spec.description + note)
    return "\n".join(lines)


def name_actions(actions: Sequence[ActionSpec] = ACTIONS) -> str:
    """The actions in one line, each with its parameters (optional ones marked `?`): the
    compact prompt's list, for a model that learnt the answer format from
    demonstrations and is held to it by the schema, so the long descriptions would only
    cost tokens."""
    return ", ".join(
        f"{spec.name}({', '.join(p.name + ('' if p.required else '?') for p in spec.params)})"
        for spec in actions
    )


# -- the parser -------------------------------------------------------------------------


def parse_action(output: str | Mapping[str, Any]) -> Action:
    """Parse a model's action, given as a JSON object or as a call like ``click(12)``.

    Raises `ActionParseError` with a message fit to show the model.
    """
    if isinstance(output, Mapping):
        return _from_mapping(output)
    text = output.strip()
    if not text:
        raise ActionParseError("empty output: give one action")
    data = _first_json_object(text)
    if data is not None:
        return _from_mapping(data)
    call = _first_call(text)
    if call is not None:
        return call
    raise ActionParseError(
        'no action found: answer with one JSON object such as {"action": "click", "element": "12"}'
    )


def _first_json_object(text: str) -> Mapping[str, Any] | None:
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            if "action" in value:
                return value
            inner = value.get("action_input") or value.get("next_action")
            if isinstance(inner, dict) and "action" in inner:
                return inner
    return None


_CALL = re.compile(r"\b([a-z_]+)\s*\(")


def _first_call(text: str) -> Action | None:
    for match in _CALL.finditer(text):
        name = match.group(1)
        if name not in ACTIONS_BY_NAME:
            continue
        end = _matching_paren(text, match.end() - 1)
        if end is None:
            raise ActionParseError(f"unbalanced parentheses in {name}(...)")
        source = text[match.start(1) : end + 1]
        try:
            node = ast.parse(source, mode="eval").body
        except SyntaxError as exc:
            raise ActionParseError(f"cannot read {source!r}: {exc.msg}") from None
        if not isinstance(node, ast.Call):
            continue
        spec = ACTIONS_BY_NAME[name]
        if len(node.args) > len(spec.params):
            raise ActionParseError(f"{name} takes at most {len(spec.params)} arguments")
        args: dict[str, Any] = {}
        for param, value in zip(spec.params, node.args, strict=False):
            args[param.name] = _literal(value, name)
        for keyword in node.keywords:
            if keyword.arg is None:
                raise ActionParseError("no ** arguments in actions")
            args[keyword.arg] = _literal(keyword.value, name)
        return _from_mapping({"action": name, **args})
    return None


def _matching_paren(text: str, start: int) -> int | None:
    depth, quote, escaped = 0, "", False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return None


def _literal(node: ast.expr, action: str) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in ("true", "false", "True", "False"):
        return node.id.lower() == "true"
    if isinstance(node, ast.List | ast.Tuple):
        values = [_literal(item, action) for item in node.elts]
        return values[0] if len(values) == 1 else values  # click([12]): the id as shown
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _literal(node.operand, action)
        if isinstance(value, int | float):
            return -value
    raise ActionParseError(
        f"{action}: arguments must be plain values (numbers, strings, true/false)"
    )


def _from_mapping(data: Mapping[str, Any]) -> Action:
    name = data.get("action")
    if not isinstance(name, str) or name not in ACTIONS_BY_NAME:
        known = ", ".join(ACTIONS_BY_NAME)
        raise ActionParseError(f"unknown action {name!r}; known actions: {known}")
    spec = ACTIONS_BY_NAME[name]
    args: dict[str, Any] = {}
    for key, value in data.items():
        if key == "action":
            continue
        param = spec.param(key)
        if param is None:
            if key in ("thought", "reason", "reasoning"):
                continue  # reasoning travels beside the action, not in it
            raise ActionParseError(f"{name} takes no argument {key!r}")
        if value is None and not param.required:
            continue
        args[key] = _coerce(param, value, name)
    for param in spec.params:
        if param.required and param.name not in args:
            raise ActionParseError(f"{name} needs {param.name!r}: {param.description}")
    if name == "fill" and len(args["elements"]) != len(args["values"]):
        raise ActionParseError(
            f"fill needs one value per field: {len(args['elements'])} elements,"
            f" {len(args['values'])} values"
        )
    return Action(name, args)


def _coerce(param: Param, value: Any, action: str) -> Any:
    where = f"{action}.{param.name}"
    if param.kind in LIST_KINDS:
        values = list(value) if isinstance(value, list | tuple) else [value]
        if not 1 <= len(values) <= param.max_items:
            raise ActionParseError(f"{where} must list 1 to {param.max_items} values")
        if param.kind == "strings":  # a checkbox's true/false may come as a JSON boolean
            values = [str(v).lower() if isinstance(v, bool) else v for v in values]
        item = replace(param, kind=LIST_KINDS[param.kind])  # type: ignore[arg-type]
        return [_coerce(item, v, action) for v in values]  # as JSON has it
    if param.kind == "element":
        text = str(value).strip().strip("[]") if isinstance(value, str | int) else None
        if text is None or isinstance(value, bool) or not ELEMENT_ID.match(text):
            raise ActionParseError(f"{where} must be an element id such as 12, got {value!r}")
        return text
    if param.kind == "string":
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ActionParseError(f"{where} must be text, got {value!r}")
        text = str(value)
        if param.choices and text not in param.choices:
            raise ActionParseError(f"{where} must be one of {', '.join(param.choices)}")
        return text
    if param.kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ActionParseError(f"{where} must be true or false, got {value!r}")
    if isinstance(value, bool):
        raise ActionParseError(f"{where} must be a number, got {value!r}")
    try:
        number: float = int(value) if param.kind == "integer" else float(value)
    except (TypeError, ValueError):
        raise ActionParseError(f"{where} must be a number, got {value!r}") from None
    if param.kind == "integer" and isinstance(value, float) and not value.is_integer():
        raise ActionParseError(f"{where} must be a whole number, got {value!r}")
    if param.minimum is not None and number < param.minimum:
        raise ActionParseError(f"{where} must be at least {param.minimum:g}")
    if param.maximum is not None and number > param.maximum:
        raise ActionParseError(f"{where} must be at most {param.maximum:g}")
    return number
