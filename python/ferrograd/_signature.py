"""torch's argument rules for the functions written in Python (``nn.functional``, ``nn.init``):
the one Rust parser (``_core.Signature``, src/bindings/api.rs) that the bindings use, with
torch's signature strings. ``@signature(spec)`` parses a call and calls the function with the
converted values (an int from a 0-d int tensor is an int, ``int[2]`` from one int a pair, a
``float`` a float), or raises torch's TypeError. Where torch runs Python checks before its native
parser (``dropout``'s range of ``p``, ``batch_norm``'s ``eps``), the function calls
``Signature(spec).parse(args)`` itself, at that point.
"""

from __future__ import annotations

import functools
import inspect
import types

from ._core import Signature

__all__ = ["Signature", "signature"]


def signature(*specs: str):
    """Decorates ``f`` so that its arguments are parsed with the torch signature ``spec`` (whose
    parameters are ``f``'s, in order) before ``f`` runs; ``f`` keeps its name, doc and
    ``inspect.signature``, and ``f.__wrapped__`` is ``f`` unparsed, for internal calls. Several
    specs are torch's overloads (``conv2d``'s int or str padding): ``f`` gets the values of the
    one that matched. ``f``'s keyword-only parameters (after ``*`` in ``spec`` too) come last in
    the values, as in ``f``."""
    parse = Signature(*specs).parse
    several = len(specs) > 1

    def decorate(f):
        call = _all_positional(f)
        if several:

            @functools.wraps(f)
            def parsed(*args, **kwargs):
                return call(*parse(args, kwargs)[1])

        else:

            @functools.wraps(f)
            def parsed(*args, **kwargs):
                return call(*parse(args, kwargs))

        return parsed

    return decorate


def _all_positional(f):
    """``f`` with its keyword-only parameters taken positionally (the parser gives every value,
    in order): the same code object with its keyword-only count moved to the positional count,
    cheaper per call than passing them by keyword."""
    code = f.__code__
    if not code.co_kwonlyargcount:
        return f
    assert not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS), f
    code = code.replace(co_argcount=code.co_argcount + code.co_kwonlyargcount, co_kwonlyargcount=0)
    return types.FunctionType(code, f.__globals__, f.__name__, None, f.__closure__)
