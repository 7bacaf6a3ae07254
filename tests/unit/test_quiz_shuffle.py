"""The one display shuffle: deterministic across processes, uniform, pinned items kept."""

import collections
import os
import subprocess
import sys
from pathlib import Path

import vae_course
from vae_course.quiz.shuffle import display_key, permutation, shuffled


def test_same_key_same_order_in_a_fresh_process_with_another_hash_seed():
    items = [f"w{i}" for i in range(12)]
    here = shuffled(items, "06-generation-source|choices")
    code = (
        "from vae_course.quiz.shuffle import shuffled\n"
        "print(','.join(shuffled([f'w{i}' for i in range(12)], "
        "'06-generation-source|choices')))"
    )
    source = str(Path(vae_course.__file__).resolve().parents[1])  # this tree, not a wheel
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": source}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip().split(",") == here
    assert sorted(here) == sorted(items)


def test_all_orders_of_four_items_about_equally_often_over_keys():
    counts = collections.Counter(tuple(permutation(4, f"q{i}")) for i in range(4800))
    assert len(counts) == 24
    # 200 expected per order; a binomial sd is about 14, so 5 sd either side.
    assert all(130 < c < 270 for c in counts.values()), counts


def test_first_place_is_uniform_for_each_list_length():
    for n in (2, 3, 5):
        first = collections.Counter(permutation(n, f"k{i}")[0] for i in range(3000))
        assert all(abs(c / 3000 - 1 / n) < 0.04 for c in first.values()), (n, first)


def test_pinned_items_keep_their_index():
    items = list("abcde")
    pinned = [False, True, False, False, True]
    orders = {tuple(shuffled(items, f"x{i}", pinned)) for i in range(200)}
    assert all(o[1] == "b" and o[4] == "e" for o in orders)
    assert len(orders) == 6  # the three free items take every order


def test_display_keys_differ_by_question_part_and_seed():
    keys = {
        display_key("q1", "choices"),
        display_key("q2", "choices"),
        display_key("q1", "blank:a"),
        display_key("q1", "choices", seed="s1"),
        display_key("q1", "choices", seed="s2"),
    }
    assert len(keys) == 5
