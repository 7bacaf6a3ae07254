"""In-page generation speed: the static book's JavaScript decoder against PyTorch, same run.

A ``display.PriorSampler`` figure (4 x 4 digits) of the classic 784-400-20 VAE is written to a
page and opened in headless Chromium (the system /usr/bin/chromium, network blocked). Each
press of Sample draws 16 new z, decodes them in JavaScript and paints the canvas; the page
times many presses with performance.now(). The reference, measured in the same run on the same
machine: PyTorch decoding the same 16 vectors on the CPU (one thread, as a laptop's browser
tab has). Also printed: the bytes the figure adds to its page.

Run: python benchmarks/in_page_decoder.py [--presses 200] [--hidden 400] [--latent 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from vae_course import models
from vae_course.display import PriorSampler

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import chromium, open_page, static_server  # noqa: E402


def pytorch_decode_ms(model: models.VAE, z: torch.Tensor, repeats: int) -> float:
    times = []
    with torch.inference_mode():
        for _ in range(repeats):
            start = time.perf_counter()
            torch.sigmoid(model.decode_raw(z))
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=400)
    parser.add_argument("--latent", type=int, default=20)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=args.hidden, latent_dim=args.latent).eval()
    sampler = PriorSampler(model, rows=4, columns=4, seed=0)
    html = sampler.to_html("bench")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "page.html").write_text(
            f"<!doctype html><html><body>{html}</body></html>", encoding="utf-8"
        )
        with static_server(folder) as url, chromium() as browser:
            page, problems = open_page(browser, url + "page.html")
            per_press = page.evaluate(
                """(n) => {
                    const button = document.getElementById("bench-sample");
                    for (let i = 0; i < 10; i++) { button.click(); }  // warm-up
                    const times = [];
                    for (let i = 0; i < n; i++) {
                        const start = performance.now();
                        button.click();
                        times.push(performance.now() - start);
                    }
                    times.sort((a, b) => a - b);
                    return times[Math.floor(n / 2)];
                }""",
                args.presses,
            )
            assert problems.console_errors == [] and problems.blocked == [], problems
            page.context.close()
    z = sampler.latents()
    reference = pytorch_decode_ms(model, z, args.presses)
    print(f"decoder {args.latent}-{args.hidden}-784, 16 digits per press, median of {args.presses}")
    print(
        f"  page (JavaScript, decode + draw): {per_press:.2f} ms per press, "
        f"{per_press / 16:.3f} ms per sample"
    )
    print(f"  reference (PyTorch CPU, 1 thread, decode only): {reference:.3f} ms per 16")
    print(f"  ratio page / PyTorch: {per_press / reference:.1f}x")
    print(f"  figure size in the page: {len(html.encode()) / 1e6:.3f} MB")


if __name__ == "__main__":
    main()
