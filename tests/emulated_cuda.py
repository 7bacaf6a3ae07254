"""An emulated CUDA device on a CPU-only machine, for finding misplaced tensors in the chapters.

The chapters run on a GPU in full mode (Colab), and the course's CI has none. ``install()``
makes a process believe it has one CUDA device: ``torch.cuda.is_available()`` is True,
``runtime.get_device()`` therefore returns ``cuda``, and every tensor placed there (by
``.to('cuda')``, ``.cuda()``, ``device='cuda'`` or as the result of an operation on such
tensors) is *marked* as living on ``cuda:0``. The values are computed on the CPU as usual, so a
correct chapter runs to the end with the same numbers, but placement is checked as CUDA checks
it:

- an operation that mixes a marked tensor with an unmarked (CPU) tensor of one or more
  dimensions raises CUDA's "Expected all tensors to be on the same device" error (a 0-dim CPU
  tensor may join a CUDA operation, as on CUDA);
- ``.numpy()`` / ``np.asarray`` of a marked tensor raises as on CUDA ("can't convert cuda:0
  device type tensor to numpy"), so a plot of a device tensor fails;
- a random draw whose generator sits on the other device raises (a CPU ``torch.Generator``
  drawing ``device='cuda'`` noise, or a CUDA generator drawing CPU noise);
- indexing a CPU tensor with a CUDA index raises; CUDA tensors may be indexed with CPU indices.

How: a ``torch.overrides.TorchFunctionMode`` that sees every call into torch's Python API
(functions, methods, properties such as ``.device``) and keeps weak references to the storages
of marked tensors. Marking by storage means views, ``.detach()``, ``param.data``
and ``nn.Parameter(t)`` share their base's device without extra rules; ``.grad`` of a marked
parameter is marked when read. ``torch.Generator(device='cuda')`` returns a CPU generator
that reports, and is checked as, ``cuda:0``.

What it cannot see (so a green run here is necessary, not sufficient, for a GPU):
tensors created inside C++ without passing through Python (custom CUDA extensions, a
DataLoader's pinned memory), numerical differences of CUDA kernels (TF32 matmuls, fused
optimizers, atomics), memory limits and speed, asynchronous execution and streams,
``torch.compile``, and operations that CUDA accepts across devices but this mode rejects
(only ``copy_``, ``to``/``cpu``/``cuda``, ``.data`` assignment, indexing and item
assignment are exempt; anything else that mixes devices is rejected, which errs on the side of
reporting).
"""

from __future__ import annotations

import weakref

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten

DEVICE = torch.device("cuda", 0)
CPU = torch.device("cpu")
MIXED = (
    "Expected all tensors to be on the same device, but found at least two devices, "
    "cuda:0 and cpu! (emulated CUDA: {name})"
)
NUMPY = (
    "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to "
    "host memory first. (emulated CUDA)"
)

_Tensor = torch.Tensor
_GETTERS = {
    _Tensor.device.__get__: "device",
    _Tensor.is_cuda.__get__: "is_cuda",
    _Tensor.is_cpu.__get__: "is_cpu",
}
# operations that CUDA allows across devices (copies, and metadata questions)
_COPIES = {_Tensor.copy_, torch._has_compatible_shallow_copy_type}
_MOVES = {_Tensor.to, _Tensor.cuda, _Tensor.cpu}
_NUMPY = {_Tensor.numpy, _Tensor.__array__}
_INDEXING = {_Tensor.__getitem__, _Tensor.__setitem__}
_SETTERS = {_Tensor.data.__set__, _Tensor.grad.__set__}


def _is_device(device) -> bool:
    """Whether ``device`` (a torch.device, str or int, as torch accepts) names CUDA."""
    if device is None:
        return False
    if isinstance(device, int):
        return True  # a bare index means a CUDA device in torch's API
    return torch.device(device).type == "cuda"


class EmulatedGenerator(torch.Generator):
    """A CPU generator that CUDA code may hold: it reports, and is checked as, cuda:0."""

    @property
    def device(self):  # noqa: D401 (as torch.Generator.device)
        return DEVICE


_RealGenerator = torch.Generator


class _GeneratorType(type):
    def __instancecheck__(cls, instance):
        return isinstance(instance, _RealGenerator)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, _RealGenerator)


class _Generator(metaclass=_GeneratorType):
    """What ``torch.Generator`` becomes: CUDA generators are emulated, CPU ones are real."""

    def __new__(cls, device="cpu"):
        return EmulatedGenerator() if _is_device(device) else _RealGenerator(device)


class EmulatedCuda(TorchFunctionMode):
    """The mode that marks tensors on the emulated device and checks placement."""

    def __init__(self):
        super().__init__()
        self._marks: dict[int, weakref.ref] = {}  # id(storage) -> weak reference to it

    # ------------------------------------------------------------------ marks
    # A mark belongs to a storage (the memory that tensors view), kept by a weak reference to
    # the storage object: torch keeps one Python object per storage for as long as any tensor
    # uses it, so a mark lasts exactly as long as the memory, and a new storage at a reused
    # address is never taken for the old one.
    @staticmethod
    def _storage(tensor: torch.Tensor):
        if tensor.layout != torch.strided:
            return None  # sparse tensors: not used by the course, never marked
        return tensor.untyped_storage()

    def is_marked(self, tensor: torch.Tensor) -> bool:
        storage = self._storage(tensor)
        if storage is None:
            return False
        ref = self._marks.get(id(storage))
        return ref is not None and ref() is storage

    def mark(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = self._storage(tensor)
        if storage is None or self.is_marked(tensor):
            return tensor
        key = id(storage)
        marks = self._marks
        marks[key] = weakref.ref(storage, lambda ref: marks.pop(key, None))
        return tensor

    def _mark_all(self, result):
        for leaf in tree_flatten(result)[0]:
            if isinstance(leaf, torch.Tensor):
                self.mark(leaf)
        return result

    # ------------------------------------------------------------------ the mode
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _GETTERS:
            marked = self.is_marked(args[0])
            name = _GETTERS[func]
            if name == "device":
                return DEVICE if marked else func(*args)
            return marked if name == "is_cuda" else not marked
        if func is _Tensor.get_device:
            return 0 if self.is_marked(args[0]) else -1
        if func in _NUMPY:
            if self.is_marked(args[0]):
                raise TypeError(NUMPY)
            return func(*args, **kwargs)
        if func in _MOVES:
            return self._move(func, args, kwargs)
        if func in _SETTERS:  # param.data = t: param now lives where t lives
            func(*args, **kwargs)
            if args[1] is not None and self.is_marked(args[1]):
                self.mark(args[0])
            return None
        if func in _COPIES:
            return func(*args, **kwargs)
        if func in _INDEXING:
            return self._index(func, args, kwargs)

        leaves = [x for x in tree_flatten((args, kwargs))[0] if isinstance(x, torch.Tensor)]
        marked = [self.is_marked(t) for t in leaves]
        target = kwargs.get("device")
        to_device = _is_device(target)
        generator = kwargs.get("generator")
        on_device = to_device or (target is None and any(marked))
        if generator is not None:
            self._check_generator(generator, on_device, func)
        if to_device:
            kwargs = {**kwargs, "device": CPU}
        elif target is not None:  # an explicit CPU target: the result lives on the CPU
            return func(*args, **kwargs)
        if not on_device:
            return func(*args, **kwargs)
        for tensor, is_marked in zip(leaves, marked, strict=True):
            if not is_marked and tensor.dim() > 0 and not to_device:
                raise RuntimeError(MIXED.format(name=_name(func)))
        return self._mark_all(func(*args, **kwargs))

    def _check_generator(self, generator, on_device: bool, func) -> None:
        emulated = isinstance(generator, EmulatedGenerator)
        if emulated != on_device:
            expected, found = ("cuda", "cpu") if on_device else ("cpu", "cuda")
            raise RuntimeError(
                f"Expected a '{expected}' device type for generator but found '{found}' "
                f"(emulated CUDA: {_name(func)})"
            )

    def _move(self, func, args, kwargs):
        tensor, rest = args[0], args[1:]
        was_marked = self.is_marked(tensor)
        if func is _Tensor.cpu or func is _Tensor.cuda:
            to_device, result = func is _Tensor.cuda, tensor
        elif rest and isinstance(rest[0], torch.Tensor):  # x.to(other): other's device, dtype
            to_device = self.is_marked(rest[0])
            result = tensor.to(rest[0].dtype, *rest[1:], **kwargs)
        else:
            device, dtype, non_blocking, memory_format = torch._C._nn._parse_to(*rest, **kwargs)
            to_device = was_marked if device is None else _is_device(device)
            result = tensor.to(
                dtype=tensor.dtype if dtype is None else dtype,
                non_blocking=non_blocking,
                copy=bool(kwargs.get("copy", False)),
                memory_format=torch.preserve_format if memory_format is None else memory_format,
            )
        if was_marked == to_device:
            return self.mark(result) if to_device else result
        if result is tensor:
            result = tensor.clone()  # a move makes a new tensor with its own storage
        return self.mark(result) if to_device else result

    def _index(self, func, args, kwargs):
        tensor, index = args[0], args[1]
        self_marked = self.is_marked(tensor)
        if not self_marked:
            for leaf in tree_flatten(index)[0]:
                if isinstance(leaf, torch.Tensor) and self.is_marked(leaf) and leaf.dim() > 0:
                    raise RuntimeError(
                        "indices should be either on cpu or on the same device as the "
                        "indexed tensor (cpu) (emulated CUDA: indexing)"
                    )
        result = func(*args, **kwargs)
        if self_marked and func is _Tensor.__getitem__:
            return self._mark_all(result)
        return result


def _name(func) -> str:
    return getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))


class _Stream:
    """The emulated device's one stream: never capturing a CUDA graph (asked by optimizers)."""

    def is_capturing(self) -> bool:
        return False

    def synchronize(self) -> None:
        pass


_SAVED: dict = {}  # what install() replaced, for uninstall()


def install() -> EmulatedCuda:
    """Emulate one CUDA device in this process from now on (a chapter's kernel: for its life;
    a test: until ``uninstall()``). Returns the active mode."""
    if _SAVED:
        return _SAVED["mode"]
    cuda = torch.cuda
    replaced = {
        (torch, "Generator"): _Generator,
        (cuda, "is_available"): lambda: True,
        (cuda, "device_count"): lambda: 1,
        (cuda, "current_device"): lambda: 0,
        (cuda, "get_device_name"): lambda device=None: "emulated CUDA device (the CPU computes)",
        (cuda, "synchronize"): lambda device=None: None,
        (cuda, "is_current_stream_capturing"): lambda: False,
        (torch.accelerator, "current_stream"): lambda device=None: _Stream(),
    }
    _SAVED["attributes"] = {key: getattr(*key) for key in replaced}
    for (owner, name), value in replaced.items():
        setattr(owner, name, value)
    mode = EmulatedCuda()
    mode.__enter__()
    _SAVED["mode"] = mode
    return mode


def uninstall() -> None:
    """Undo ``install()``: the real torch again, no emulated device."""
    if not _SAVED:
        return
    _SAVED.pop("mode").__exit__(None, None, None)
    for (owner, name), value in _SAVED.pop("attributes").items():
        setattr(owner, name, value)
