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

from ._core import Signature

__all__ = ["Signature", "signature"]


def signature(*specs: str):
    """Decorates ``f`` so that its arguments are parsed with the torch signature ``spec`` (whose
    parameters are ``f``'s, in order) before ``f`` runs; ``f`` keeps its name, doc and
    ``inspect.signature``, and ``f.__wrapped__`` is ``f`` unparsed, for internal calls. Several
    specs are torch's overloads (``conv2d``'s int or str padding): ``f`` gets the values of the
    one that matched. ``f``'s keyword-only parameters (after ``*`` in ``spec`` too) are passed by
    keyword."""
    parse = Signature(*specs).parse
    several = len(specs) > 1

    def decorate(f):
        params = inspect.signature(f).parameters.values()
        kw_only = [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
        n = len(params) - len(kw_only)

        if kw_only:

            @functools.wraps(f)
            def parsed(*args, **kwargs):
                vals = parse(args, kwargs)[1] if several else parse(args, kwargs)
                return f(*vals[:n], **dict(zip(kw_only, vals[n:])))

        elif several:

            @functools.wraps(f)
            def parsed(*args, **kwargs):
                return f(*parse(args, kwargs)[1])

        else:

            @functools.wraps(f)
            def parsed(*args, **kwargs):
                return f(*parse(args, kwargs))

        return parsed

    return decorate
