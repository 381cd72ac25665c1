"""Python object identity (src/bindings/identity.rs): while a tensor's Python object lives, every
way back to that tensor gives this same object, as in torch; nothing keeps the object alive."""

from __future__ import annotations

import gc
import weakref

import ferrograd as fg
import pytest

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("m", [fg, torch], ids=["ferrograd", "torch"])


def identities(m):
    """The identity facts torch users rely on, as a dict name -> bool."""
    x = m.tensor([1.0, 2.0], requires_grad=True)
    facts = {}
    (x * 2).sum().backward()
    g = x.grad
    facts["grad is grad"] = x.grad is x.grad
    (x * 3).sum().backward()
    facts["grad stays the object across backwards"] = x.grad is g
    facts["variable is the leaf"] = (x * 2).grad_fn.next_functions[0][0].variable is x
    facts["data is not data"] = x.data is not x.data
    facts["detach is not self"] = x.detach() is not x
    facts["view is not self"] = x.view(2) is not x
    facts["pos is self"] = (+x) is x
    facts["cpu is self"] = x.cpu() is x
    facts["to(same dtype) is self"] = x.to(m.float32) is x
    facts["contiguous is self"] = x.contiguous() is x
    facts["as_tensor is self"] = m.as_tensor(x) is x
    facts["float() is self"] = x.float() is x
    z = x * 1
    z.retain_grad()
    z.sum().backward()
    facts["retained grad is itself"] = z.grad is z.grad
    d = z.detach()
    facts["detach_ returns self"] = d.detach_() is d
    return facts


def test_identities_match_torch():
    got, want = identities(fg), identities(torch)
    assert got == want
    assert all(want.values())


@LIBS
def test_accumulation_is_in_place_on_the_same_object(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    assert x.grad is g
    assert g.tolist() == [5.0, 5.0]
    # an assigned gradient is the very object, and backward adds into it
    mine = m.ones(2)
    x.grad = mine
    assert x.grad is mine
    (x * 2).sum().backward()
    assert x.grad is mine and mine.tolist() == [3.0, 3.0]


@LIBS
def test_create_graph_accumulation_makes_a_new_gradient(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    (x**2).sum().backward(create_graph=True)
    g = x.grad
    (x**2).sum().backward(create_graph=True)
    assert x.grad is not g
    assert x.grad.tolist() == [4.0, 8.0] and g.tolist() == [2.0, 4.0]


@LIBS
def test_first_gradient_is_not_shared_between_leaves(m):
    # the add rule hands one gradient to both inputs; each .grad must be its own tensor, or
    # accumulating into one would change the other
    a = m.tensor([1.0, 2.0], requires_grad=True)
    b = m.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    (a * 2).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0] and b.grad.tolist() == [1.0, 1.0]


@LIBS
def test_dict_keyed_by_tensors(m):
    w = m.randn(3, requires_grad=True)
    b = m.randn(3, requires_grad=True)
    state = {w: "w", b: "b"}
    out = (w * 2 + b).sum()
    (add, _) = out.grad_fn.next_functions[0]
    (mul, _), (acc_b, _) = add.next_functions
    assert state[acc_b.variable] == "b"
    assert state[mul.next_functions[0][0].variable] == "w"


@LIBS
def test_post_accumulate_hook_gets_the_parameter(m):
    p = m.randn(3, requires_grad=True)
    seen = []
    p.register_post_accumulate_grad_hook(lambda t: seen.append((t is p, t.grad is p.grad)))
    (p * p).sum().backward()
    assert seen == [(True, True)]


@LIBS
def test_function_saved_input_is_the_input(m):
    seen = []

    class Double(m.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * 2

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            seen.append(a is x)
            return g * 2

    x = m.tensor([1.0, 2.0], requires_grad=True)
    Double.apply(x).sum().backward()
    assert seen == [True]


def test_legacy_constructor_and_subclasses_are_their_tensors_objects():
    t = fg.Tensor([1.0, 2.0]).requires_grad_()
    assert (t * 2).grad_fn.next_functions[0][0].variable is t

    class Param(fg.Tensor):
        pass

    p = Param([1.0, 2.0])
    p.requires_grad = True
    assert (p * 2).grad_fn.next_functions[0][0].variable is p
    assert type((p * 2).grad_fn.next_functions[0][0].variable) is Param

    class OwnInit(fg.Tensor):
        def __init__(self, data):  # does not call Tensor.__init__
            self.tag = "mine"

    q = OwnInit([1.0])
    q.requires_grad_()  # registers too
    assert (q * 2).grad_fn.next_functions[0][0].variable is q


def test_detach_in_place_and_data_assignment_keep_the_object():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y and y.grad_fn is None
    assert y.cpu() is y  # still its tensor's object after the switch
    w = fg.tensor([1.0, 2.0], requires_grad=True)
    w.data = fg.tensor([5.0, 6.0])
    assert w.cpu() is w
    (w * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]


def collected(ref):
    gc.collect()
    return ref() is None


def test_objects_are_freed():
    # a leaf alone, and one whose graph is alive
    x = fg.randn(1000, requires_grad=True)
    r = weakref.ref(x)
    del x
    assert collected(r)
    x = fg.randn(1000, requires_grad=True)
    y = (x * x).sum()
    r = weakref.ref(x)
    del x
    assert collected(r)  # the graph holds the tensor, not its Python object
    y.backward()
    # results, gradients, views, nodes' variables
    x = fg.randn(3, requires_grad=True)
    (x * 2).sum().backward()
    refs = [weakref.ref(o) for o in (x * 2, x.grad, x.view(3), x[0:2], x.data, x.detach())]
    assert all(collected(r) for r in refs)
    var = (x * 2).grad_fn.next_functions[0][0].variable
    assert var is x
    del var
    rx = weakref.ref(x)
    del x
    assert collected(rx)


def test_a_dead_object_is_replaced_by_a_working_one():
    x = fg.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    r = weakref.ref(x.grad)
    assert collected(r)  # x still holds the gradient; its Python object is gone
    g = x.grad
    assert g.tolist() == [2.0, 2.0] and g is x.grad
    y = x * 3
    node = y.grad_fn.next_functions[0][0]
    del x, g
    gc.collect()
    # the leaf tensor itself was freed with its object (the graph holds leaves weakly)
    with pytest.raises(AttributeError):
        _ = node.variable


def test_weakref_callback_during_teardown_of_a_subclass_object():
    # a subclass object's dealloc runs weakref callbacks before the object is unregistered; a
    # callback that asks for the same tensor must get a working object, not the dying one
    class Sub(fg.Tensor):
        pass

    keep = fg.tensor([1.0, 2.0], requires_grad=True)
    s = Sub([1.0, 2.0]).requires_grad_()
    y = s * keep  # y's node holds s's tensor weakly; the saved copy keeps the data
    out = []
    node = y.grad_fn.next_functions[0][0]

    def callback(_):
        try:
            v = node.variable
            out.append(v.tolist())
        except AttributeError:
            out.append(None)

    r = weakref.ref(s, callback)
    del s
    gc.collect()
    assert r() is None
    assert out in ([[1.0, 2.0]], [None])
