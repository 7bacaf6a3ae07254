"""Drawing-pad speed: one stroke update in the static page (encode + decode + draw), in Chromium.

A ``display.DrawPad`` figure of a 2-D VAE (784-400-2, the chapter's full size) is written to a
page and opened in headless Chromium (the system /usr/bin/chromium, network blocked). The page
is sent pointer moves along a stroke; each move paints the pad, encodes the drawing, decodes
g(mu) and the draws from q(z|x), redraws the latent plane over 2,000 codes and the ELBO bars.
Each move's handler is timed with performance.now() (it runs synchronously); the median is
reported against the issue's target of 20 ms. The reference, measured in the same run on the
same machine: PyTorch computing the same numbers for the same drawing on the CPU (one thread,
as a browser tab has), drawing nothing.

Run: python benchmarks/draw_speed.py [--moves 200] [--hidden 400]
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
from vae_course.display import DrawPad, drawpad

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import chromium, open_page, static_server  # noqa: E402

TARGET_MS = 20.0

STROKE = """(n) => {
    const pad = document.getElementById("bench-pad"), box = pad.getBoundingClientRect();
    const at = (type, k) => {  // a circle of radius 8 pixels, one step a move
        const angle = 2 * Math.PI * k / 40;
        const r = 14 + 8 * Math.sin(angle), c = 14 + 8 * Math.cos(angle);
        return new PointerEvent(type, { pointerType: "mouse", pointerId: 1, bubbles: true,
            clientX: box.left + (c + 0.5) * box.width / 28,
            clientY: box.top + (r + 0.5) * box.height / 28 });
    };
    document.getElementById("bench-clear").click();
    pad.dispatchEvent(at("pointerdown", 0));
    for (let k = 1; k <= 20; k++) { pad.dispatchEvent(at("pointermove", k)); }  // warm-up
    const times = [];
    for (let k = 21; k < 21 + n; k++) {
        const event = at("pointermove", k), start = performance.now();
        pad.dispatchEvent(event);
        times.push(performance.now() - start);
    }
    pad.dispatchEvent(at("pointerup", n));
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(n / 2)], p90: times[Math.floor(0.9 * n)],
             updates: Number(document.getElementById("bench").dataset.updates),
             pixels: Array.from(document.getElementById("bench").vaePad.pixels) };
}"""


def pytorch_ms(pad: DrawPad, x: torch.Tensor, repeats: int) -> float:
    eps, times = pad.noise(), []
    with torch.inference_mode():
        for _ in range(repeats):
            start = time.perf_counter()
            drawpad.pad_terms(pad.model, x[None], eps)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=400)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = models.VAE(hidden_dim=args.hidden, latent_dim=2).eval()
    codes, labels = torch.randn(2000, 2), torch.arange(2000) % 10
    pad = DrawPad(model, codes, labels, torch.rand(4, 1, 28, 28))
    html = pad.to_html("bench")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "page.html").write_text(
            f"<!doctype html><html><body>{html}</body></html>", encoding="utf-8"
        )
        with static_server(folder) as url, chromium() as browser:
            page, problems = open_page(browser, url + "page.html")
            page.wait_for_function("() => document.getElementById('bench').vaePad")
            result = page.evaluate(STROKE, args.moves)
            assert problems.console_errors == [] and problems.blocked == [], problems
            page.context.close()
    assert result["updates"] >= args.moves + 20, "every move must update the figure"
    drawing = torch.tensor(result["pixels"], dtype=torch.float32)
    reference = pytorch_ms(pad, drawing, args.moves)
    print(f"drawing pad, 784-{args.hidden}-2 VAE, {args.moves} stroke moves (median)")
    print(
        f"  page (JavaScript: paint, encode, decode g(mu) and {pad.n_samples} draws, "
        f"redraw): {result['median']:.2f} ms per update (90th percentile {result['p90']:.2f})"
    )
    print(f"  reference (PyTorch, CPU, 1 thread, same numbers, no drawing): {reference:.2f} ms")
    print(f"  page / PyTorch: {result['median'] / reference:.1f}x")
    verdict = "within" if result["median"] <= TARGET_MS else "OVER"
    print(f"  target: <= {TARGET_MS:.0f} ms per update: {verdict}")
    print(f"  the figure adds {len(html.encode()):,} bytes to its page")


if __name__ == "__main__":
    main()
