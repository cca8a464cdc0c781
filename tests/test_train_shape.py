"""The training package stays readable: no function in `train/` takes more than six
parameters (the phase's state travels as one `Phase`, not as a dozen arguments)."""

from __future__ import annotations

import ast
from pathlib import Path

import mira_agent.train

MOST = 6


def parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = function.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def test_no_function_in_train_takes_more_than_six_parameters() -> None:
    folder = Path(mira_agent.train.__file__).parent
    crowded = []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names = parameters(node)
                if len(names) > MOST:
                    crowded.append(f"{path.name}:{node.lineno} {node.name}({', '.join(names)})")
    assert not crowded, "\n".join(crowded)


def test_the_count_sees_every_kind_of_parameter() -> None:
    source = "def f(a, /, b, *rest, c, **more): pass\nclass K:\n    def m(self, x): pass\n"
    found = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)]
    assert [parameters(f) for f in found] == [["a", "b", "c", "rest", "more"], ["x"]]
