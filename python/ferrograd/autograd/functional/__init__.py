"""``ferrograd.autograd.functional``: Jacobians, Hessians and their products with vectors.

The API of ``torch.autograd.functional`` (same names, signatures, results and errors), built on
``ferrograd.autograd.grad``:

* ``vjp``, ``vhp``: one reverse pass (two for ``vhp``).
* ``jvp``, ``hvp`` and the ``"forward-mode"`` strategies use forward-mode AD
  (``ferrograd.autograd.forward_ad``): ``jvp`` is one forward pass carrying the tangent ``v``;
  ``hvp`` is forward-over-reverse (the gradient computed inside a dual level, so it carries
  ``H v``); a forward-mode Jacobian is one forward pass per column. With ``create_graph=True``
  or ``strict=True`` they fall back to the *double-vjp trick* (as torch does for all of them):
  for a dummy cotangent ``u``, ``g(u) = J^T u`` is linear in ``u`` and the gradient of
  ``<g(u), v>`` with respect to ``u`` is ``J v``; forward-mode tangents are not themselves
  differentiable by reverse mode, and the trick's reverse passes are.
* ``jacobian``, ``hessian``: one basis vector at a time, in chunks whose size the caller bounds
  with the keyword-only ``chunk_size`` (basis vectors per chunk) or ``max_memory`` (bytes), so that
  a large Jacobian never needs a whole standard basis and all of its products alive at once.

The functions live in private modules by family (_vjp_jvp, _jacobian, _hessian; shared checks in
_utils); this package is the one public namespace, as torch's single module is.
"""

from __future__ import annotations

from ._hessian import hessian, hvp, vhp
from ._jacobian import jacobian
from ._vjp_jvp import jvp, vjp

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
