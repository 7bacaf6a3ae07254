"""Tests for vae_course.runtime: seeding, device choice and the quick/full switch."""

import random

import numpy as np
import pytest
import torch

from vae_course import runtime


def test_seed_everything_makes_every_generator_repeat():
    generator = runtime.seed_everything(123)
    first = (random.random(), np.random.rand(), torch.rand(3), torch.rand(3, generator=generator))
    generator = runtime.seed_everything(123)
    second = (random.random(), np.random.rand(), torch.rand(3), torch.rand(3, generator=generator))
    assert first[0] == second[0] and first[1] == second[1]
    assert torch.equal(first[2], second[2]) and torch.equal(first[3], second[3])
    runtime.seed_everything(124)
    assert not torch.equal(first[2], torch.rand(3))


def test_seed_everything_returns_a_cpu_generator_seeded_alike():
    generator = runtime.seed_everything(7)
    assert generator.device == torch.device("cpu")
    expected = torch.rand(5, generator=torch.Generator().manual_seed(7))
    assert torch.equal(torch.rand(5, generator=generator), expected)


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_seed_everything_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match="seed"):
        runtime.seed_everything(seed)


def test_mode_defaults_to_full_only_with_cuda(monkeypatch):
    monkeypatch.delenv(runtime.MODE_ENV, raising=False)
    assert runtime.mode() == ("full" if torch.cuda.is_available() else "quick")


@pytest.mark.parametrize("value", ["quick", "full", " FULL "])
def test_mode_follows_the_environment(monkeypatch, value):
    monkeypatch.setenv("VAE_COURSE_MODE", value)
    assert runtime.mode() == value.strip().lower()


def test_mode_rejects_unknown_values_naming_the_variable(monkeypatch):
    monkeypatch.setenv("VAE_COURSE_MODE", "turbo")
    with pytest.raises(ValueError, match="VAE_COURSE_MODE.*'turbo'"):
        runtime.mode()


def test_choose_picks_by_mode_for_any_value(monkeypatch):
    quick, full = {"epochs": 2}, {"epochs": 30}
    monkeypatch.setenv("VAE_COURSE_MODE", "quick")
    assert runtime.choose(quick, full) is quick
    monkeypatch.setenv("VAE_COURSE_MODE", "full")
    assert runtime.choose(quick, full) is full


def test_get_device():
    assert runtime.get_device("cpu") == torch.device("cpu")
    assert runtime.get_device(torch.device("cpu")) == torch.device("cpu")
    assert runtime.get_device().type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device"):
        runtime.get_device("banana")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            runtime.get_device("cuda")


def test_quick_mode_on_a_cpu_uses_one_thread(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setenv("VAE_COURSE_MODE", "quick")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    try:
        torch.set_num_threads(2)
        runtime.seed_everything(0)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
