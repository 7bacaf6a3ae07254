"""The emulated CUDA device of the full-mode run (tests/emulated_cuda.py) reports what a GPU
would report, and computes what the CPU computes.

Each test runs in a fresh Python process, because the emulation is installed for the life of a
process (as in a chapter's kernel) and must not leak into the other tests.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from paths import ROOT

PRELUDE = """
import sys
sys.path[:0] = [{tests!r}, {root!r}]
import numpy as np
import torch
import emulated_cuda
mode = emulated_cuda.install()
from vae_course import runtime
device = runtime.get_device()
"""


def run(*parts: str) -> str:
    """Run the prelude and then ``parts`` (each dedented on its own) in a new process."""
    body = "\n".join(textwrap.dedent(part) for part in parts)
    code = PRELUDE.format(tests=str(ROOT / "tests"), root=str(ROOT)) + body
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def raises(statement: str, error: str, message: str) -> str:
    """Python lines that assert ``statement`` raises ``error`` with ``message`` in it."""
    return f"""
try:
    {statement}
except {error} as e:
    assert {message!r} in str(e), str(e)
else:
    raise AssertionError("no {error} from: " + {statement!r})
"""


def test_the_course_sees_one_cuda_device():
    out = run("""
        print(device, torch.cuda.is_available(), torch.cuda.device_count())
    """)
    assert out.split() == ["cuda", "True", "1"]


def test_mixing_devices_raises_cuda_error_and_placed_inputs_run():
    run(
        """
        model = torch.nn.Linear(3, 2).to(device)
        assert next(model.parameters()).device == torch.device("cuda", 0)
        assert model.weight.is_cuda
        x = torch.randn(4, 3)
        """,
        raises("model(x)", "RuntimeError", "Expected all tensors to be on the same device"),
        raises("torch.cat([x, x.to(device)])", "RuntimeError", "same device"),
        """
y = model(x.to(device))
assert y.device.type == "cuda"
# a 0-dim CPU tensor may join a CUDA operation, as on CUDA
assert (y * torch.tensor(2.0)).device.type == "cuda"
""",
    )


def test_values_are_the_cpu_values():
    run("""
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh())
        x = torch.randn(3, 5)
        expected = model(x)
        on_device = model.to(device)(x.to(device))
        assert on_device.device.type == "cuda"
        assert torch.equal(on_device.cpu(), expected)
    """)


def test_numpy_and_plots_need_cpu():
    run(
        """
        y = torch.ones(2, 3, device=device)
        """,
        raises("y.numpy()", "TypeError", "can't convert cuda:0 device type tensor to numpy"),
        raises("np.asarray(y)", "TypeError", "Use Tensor.cpu()"),
        """
assert y.cpu().numpy().shape == (2, 3)
assert y.sum().item() == 6.0 and y.tolist() == [[1.0] * 3] * 2
""",
    )


def test_generators_are_checked_against_the_draws_device():
    run(
        """
        cpu_g = torch.Generator().manual_seed(0)
        cuda_g = torch.Generator(device=device).manual_seed(0)
        assert cuda_g.device == torch.device("cuda", 0)
        assert isinstance(cuda_g, torch.Generator) and isinstance(cpu_g, torch.Generator)
        """,
        raises(
            "torch.randn(3, generator=cpu_g, device=device)",
            "RuntimeError",
            "Expected a 'cuda' device type for generator but found 'cpu'",
        ),
        raises("torch.randn(3, generator=cuda_g)", "RuntimeError", "for generator"),
        raises(
            "torch.bernoulli(torch.full((3,), 0.5, device=device), generator=cpu_g)",
            "RuntimeError",
            "for generator",
        ),
        """
z = torch.randn(3, generator=cuda_g, device=device)
assert z.device.type == "cuda"
""",
    )


def test_training_step_with_both_adams_and_moves_back():
    run(
        """
        for fused in (False, True):
            model = torch.nn.Linear(3, 2).to(device)
            optimizer = torch.optim.Adam(model.parameters(), lr=0.1, fused=fused)
            before = model.weight.detach().cpu().clone()
            loss = model(torch.randn(4, 3).to(device)).pow(2).sum()
            loss.backward()
            assert model.weight.grad.device.type == "cuda"
            optimizer.step()
            assert not torch.equal(model.weight.detach().cpu(), before)
            model.cpu()
            assert model.weight.device.type == "cpu"
            model(torch.randn(4, 3))  # back on the CPU, CPU inputs are right
        """
    )


def test_indexing_follows_cuda_rules():
    run(
        """
        x_cpu = torch.arange(6.0)
        x_dev = x_cpu.to(device)
        index_cpu = torch.tensor([0, 2])
        assert x_dev[index_cpu].device.type == "cuda"  # CPU indices are allowed
        """,
        raises("x_cpu[index_cpu.to(device)]", "RuntimeError", "indices should be"),
    )


def test_marks_follow_the_memory_not_the_object():
    run("""
        p = torch.nn.Parameter(torch.zeros(3, device=device))  # the original is gone
        assert p.device.type == "cuda"
        view = torch.ones(4, 4, device=device)[1:]
        import gc; gc.collect()
        assert view.device.type == "cuda"
        fresh = [torch.zeros(3) for _ in range(200)]  # may reuse freed addresses
        assert all(t.device.type == "cpu" for t in fresh)
    """)


@pytest.mark.parametrize(
    "bug",
    [
        # chapter 6 before the fix: a CPU draw decoded by a model on the GPU
        "vae.decode(torch.randn(4, 2, generator=torch.Generator().manual_seed(0)))",
        # chapter 7 before the fix: posterior means (on the CPU) decoded as they are
        "vae.decode(latent.posterior_means(vae, torch.rand(4, 1, 28, 28)))",
        # a plot of a device tensor
        "plotting.latent_scatter(vae.encode(torch.rand(4, 1, 28, 28).to(device))[0].numpy(), "
        "torch.arange(4))",
    ],
)
def test_the_bugs_full_mode_had_are_caught(bug):
    run(
        """
        from vae_course import latent, models, plotting
        vae = models.VAE(hidden_dim=8, latent_dim=2).to(device)
        """,
        raises(bug, "(RuntimeError, TypeError)", "cuda"),
    )
