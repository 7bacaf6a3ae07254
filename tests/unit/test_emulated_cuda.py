"""The emulated CUDA device of the full-mode run (tests/emulated_cuda.py) reports what a GPU
would report, and computes what the CPU computes."""

from __future__ import annotations

import emulated_cuda
import numpy as np
import pytest
import torch

from vae_course import latent, models, plotting, runtime

CUDA_MIXED = "Expected all tensors to be on the same device"


@pytest.fixture
def device():
    emulated_cuda.install()
    try:
        yield runtime.get_device()
    finally:
        emulated_cuda.uninstall()


def test_the_course_sees_one_cuda_device_until_uninstalled(device):
    assert device == torch.device("cuda")
    assert torch.cuda.is_available() and torch.cuda.device_count() == 1
    emulated_cuda.uninstall()
    assert runtime.get_device() == torch.device("cpu")  # this machine has no GPU
    assert torch.zeros(2, device="cpu").device.type == "cpu"
    emulated_cuda.install()


def test_mixing_devices_raises_cudas_error_and_placed_inputs_run(device):
    model = torch.nn.Linear(3, 2).to(device)
    assert next(model.parameters()).device == torch.device("cuda", 0)
    assert model.weight.is_cuda
    x = torch.randn(4, 3)
    with pytest.raises(RuntimeError, match=CUDA_MIXED):
        model(x)
    with pytest.raises(RuntimeError, match=CUDA_MIXED):
        torch.cat([x, x.to(device)])
    y = model(x.to(device))
    assert y.device.type == "cuda"
    # a 0-dim CPU tensor may join a CUDA operation, as on CUDA
    assert (y * torch.tensor(2.0)).device.type == "cuda"


def test_values_are_the_cpu_values(device):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh())
    x = torch.randn(3, 5)
    expected = model(x)
    on_device = model.to(device)(x.to(device))
    assert on_device.device.type == "cuda"
    assert torch.equal(on_device.cpu(), expected)


def test_numpy_and_plots_need_the_cpu(device):
    y = torch.ones(2, 3, device=device)
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        y.numpy()
    with pytest.raises(TypeError, match=r"Use Tensor.cpu\(\)"):
        np.asarray(y)
    assert y.cpu().numpy().shape == (2, 3)
    assert y.sum().item() == 6.0 and y.tolist() == [[1.0] * 3] * 2


def test_generators_are_checked_against_the_draws_device(device):
    cpu_g = torch.Generator().manual_seed(0)
    cuda_g = torch.Generator(device=device).manual_seed(0)
    assert cuda_g.device == torch.device("cuda", 0)
    assert isinstance(cuda_g, torch.Generator) and isinstance(cpu_g, torch.Generator)
    expected = "Expected a 'cuda' device type for generator but found 'cpu'"
    with pytest.raises(RuntimeError, match=expected):
        torch.randn(3, generator=cpu_g, device=device)
    with pytest.raises(RuntimeError, match="for generator"):
        torch.randn(3, generator=cuda_g)
    with pytest.raises(RuntimeError, match="for generator"):
        torch.bernoulli(torch.full((3,), 0.5, device=device), generator=cpu_g)
    assert torch.randn(3, generator=cuda_g, device=device).device.type == "cuda"


@pytest.mark.parametrize("fused", [False, True])
def test_a_training_step_runs_and_the_model_comes_back(device, fused):
    model = torch.nn.Linear(3, 2).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1, fused=fused)
    before = model.weight.detach().cpu().clone()
    model(torch.randn(4, 3).to(device)).pow(2).sum().backward()
    assert model.weight.grad.device.type == "cuda"
    optimizer.step()
    assert not torch.equal(model.weight.detach().cpu(), before)
    model.cpu()
    assert model.weight.device.type == "cpu"
    model(torch.randn(4, 3))  # back on the CPU, CPU inputs are right


def test_indexing_follows_cudas_rules(device):
    x_cpu = torch.arange(6.0)
    x_dev = x_cpu.to(device)
    index_cpu = torch.tensor([0, 2])
    assert x_dev[index_cpu].device.type == "cuda"  # CPU indices are allowed
    with pytest.raises(RuntimeError, match="indices should be"):
        x_cpu[index_cpu.to(device)]


def test_marks_follow_the_memory_not_the_python_object(device):
    p = torch.nn.Parameter(torch.zeros(3, device=device))  # the original tensor is gone
    assert p.device.type == "cuda"
    view = torch.ones(4, 4, device=device)[1:]
    assert view.device.type == "cuda"  # its base is gone, its memory is not
    fresh = [torch.zeros(3) for _ in range(200)]  # may reuse freed addresses
    assert all(t.device.type == "cpu" for t in fresh)


@pytest.mark.parametrize(
    "bug",
    [
        # chapter 6 before the fix: a CPU draw decoded by a model on the GPU
        lambda vae, device: vae.decode(torch.randn(4, 2)),
        # chapter 7 before the fix: posterior means (on the CPU) decoded as they are
        lambda vae, device: vae.decode(latent.posterior_means(vae, torch.rand(4, 1, 28, 28))),
        # a plot of a device tensor's values
        lambda vae, device: plotting.latent_scatter(
            vae.encode(torch.rand(4, 1, 28, 28).to(device))[0].numpy(), torch.arange(4)
        ),
    ],
    ids=["cpu-draw-decoded", "cpu-means-decoded", "device-tensor-plotted"],
)
def test_the_bugs_full_mode_had_are_caught(device, bug):
    vae = models.VAE(hidden_dim=8, latent_dim=2).to(device)
    with pytest.raises((RuntimeError, TypeError), match="cuda"):
        bug(vae, device)
