"""Writes the op table's entries (src/ops/table.rs) into python/ferrograd/_core.pyi, between the
BEGIN/END GENERATED markers, from the built module's `_core._math_ops()`, `_binary_ops()`,
`_ternary_ops()` and `_activation_ops()`.

    python scripts/gen_stubs.py          # rewrite the stub
    python scripts/gen_stubs.py --check  # exit 1, showing the difference, if the stub is stale

`scripts/test.sh` runs the check after building, so a row added without regenerating fails CI.
"""

from __future__ import annotations

import difflib
import pathlib
import sys

from ferrograd import _core

STUB = pathlib.Path(__file__).resolve().parent.parent / "python" / "ferrograd" / "_core.pyi"
BEGIN = "    # BEGIN GENERATED: the op table's methods (scripts/gen_stubs.py from src/ops/table.rs)\n"
END = "    # END GENERATED\n"
FN_BEGIN = "# BEGIN GENERATED: the op table's functions (activation and binary rows) (scripts/gen_stubs.py from src/ops/table.rs)\n"
FN_END = "# END GENERATED\n"
LINE_LENGTH = 110  # pyproject.toml's [tool.ruff] line-length


# The Python types of the Rust parameter types a math row may take (`stringify!`'s spelling).
_PY_TYPES = {"Option < f64 >": "builtins.float | None", "Option < i64 >": "builtins.int | None"}


def _math_params(sig: str, params: list[tuple[str, str]]) -> list[str]:
    """`self` and a math row's parameters, keyword-only after a `*` in its signature (torch's
    grammar, parsed by the one parser; every parameter has a default, written `...`)."""
    args = ["self"]
    if sig.strip().startswith("*"):
        args.append("*")
    args += [f"{p}: {_PY_TYPES[t]} = ..." for p, t in params]
    return args


def _method(name: str, args: list[str], returns: str, doc: str) -> str:
    head = f"    def {name}({', '.join(args)}) -> {returns}:"
    if len(head) > LINE_LENGTH:  # as ruff format splits it, one argument a line
        head = f"    def {name}(\n" + "".join(f"        {a},\n" for a in args) + f"    ) -> {returns}:"
    return f'{head}\n        """{doc}"""\n\n'


def entries() -> str:
    out = []
    for name, inplace, aliases, sig, params, doc in _core._math_ops():
        args = _math_params(sig, params)
        out.append(_method(name, args, "Tensor", doc))
        if inplace is not None:
            out.append(_method(inplace, args, "Self", f"In-place :meth:`{name}`."))
        for alias, alias_inplace in aliases:
            out.append(f'    def {alias}(self) -> Tensor:\n        """Alias for :meth:`{name}`."""\n\n')
            out.append(
                f'    def {alias_inplace}(self) -> Self:\n        """Alias for :meth:`{inplace}`."""\n\n'
            )
    for name, inplace, aliases, doc in _core._binary_ops():
        forms = [(name, inplace, doc), *((a, ai, f"Alias for :meth:`{name}`.") for a, ai in aliases)]
        for n, i, what in forms:
            out.append(f'    def {n}(self, other: Tensor | float) -> Tensor:\n        """{what}"""\n\n')
            if i is not None:
                out.append(
                    f'    def {i}(self, other: Tensor | float) -> Self:\n        """In-place :meth:`{n}`."""\n\n'
                )
    for name, inplace, (second, third), doc in _core._ternary_ops():
        args = f"self, {second}: Tensor, {third}: Tensor | builtins.float"
        out.append(f'    def {name}({args}) -> Tensor:\n        """{doc}"""\n\n')
        if inplace is not None:
            out.append(f'    def {inplace}({args}) -> Self:\n        """In-place :meth:`{name}`."""\n\n')
    return "".join(out)


def functions() -> str:
    # (pyo3 shows a row's defaults as `...` in the runtime signature: so does the stub)
    rows = _core._activation_ops()
    binary = _core._binary_ops()
    names = [r[0] for r in rows] + [r[0] for r in binary]
    # sorted, one a line with a trailing comma: as ruff's RUF022 and its formatter keep it
    out = ["__all__ += [\n" + "".join(f'    "{n}",\n' for n in sorted(names)) + "]\n\n"]
    for name, _inplace, _aliases, doc in binary:
        out.append(
            f'def {name}(input: Tensor | builtins.float, other: Tensor | builtins.float) -> Tensor:\n    """{doc}"""\n\n'
        )
    for name, params, _module, _forms, doc in rows:
        args = ["input: Tensor"]
        args += [f"{p}: builtins.float" + ("" if d is None else " = ...") for p, d in params]
        args.append("inplace: builtins.bool = False")
        head = f"def {name}({', '.join(args)}) -> Tensor:"
        if len(head) > LINE_LENGTH:  # as ruff format splits it, one argument a line
            head = f"def {name}(\n" + "".join(f"    {a},\n" for a in args) + ") -> Tensor:"
        out.append(f'{head}\n    """{doc}"""\n\n')
    return "".join(out)


def _between(text: str, begin: str, end: str, body: str) -> str:
    start = text.index(begin) + len(begin)
    return text[:start] + body + text[text.index(end, start) :]


def main() -> int:
    text = STUB.read_text()
    new = _between(_between(text, BEGIN, END, entries()), FN_BEGIN, FN_END, functions())
    if "--check" in sys.argv[1:]:
        if new != text:
            diff = difflib.unified_diff(text.splitlines(True), new.splitlines(True), str(STUB), "regenerated")
            sys.stdout.writelines(diff)
            print("\n_core.pyi is stale: run `python scripts/gen_stubs.py` and commit the result")
            return 1
        return 0
    STUB.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
