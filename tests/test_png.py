"""PNG export: one real PNG through kaleido and Chromium, and the errors that say what to install."""

from __future__ import annotations

import ast
import contextlib
import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import kaleido
import pytest
from PIL import Image

from analytics.core.errors import AnalyticsError
from analytics.present import png as png_module
from analytics.present.charts import trend_chart, ward_deltas_chart
from analytics.present.png import PNG_SIGNATURE, to_png, to_pngs
from analytics.present.style import RISE_COLOUR
from tests.chart_frames import monthly_frame, ward_frame
from tests.conftest import ROOT


def test_to_png_draws_a_real_image():
    png = to_png(ward_deltas_chart(ward_frame()), width=640, height=480)
    assert png.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (640, 480)
    colours = image.getcolors(maxcolors=1_000_000)
    assert len(colours) > 20  # not a blank page
    rgb = {tuple(int(RISE_COLOUR[i : i + 2], 16) for i in (1, 3, 5))}
    assert rgb & {c for _, c in colours}, "the rise colour is drawn"


def test_to_png_explains_when_chromium_cannot_start(monkeypatch):
    def no_browser(*args, **kwargs):
        raise RuntimeError("Kaleido requires Google Chrome to be installed.")

    monkeypatch.setattr(png_module.pio, "to_image", no_browser)
    with pytest.raises(AnalyticsError) as caught:
        to_png(trend_chart(monthly_frame()))
    assert caught.value.title == "Cannot make a PNG"
    assert "Chromium" in caught.value.message and "apt-get install chromium" in caught.value.fix


def test_to_png_explains_when_kaleido_is_missing(monkeypatch):
    real = png_module.importlib.util.find_spec
    monkeypatch.setattr(png_module.importlib.util, "find_spec", lambda name: None if name == "kaleido" else real(name))
    with pytest.raises(AnalyticsError, match="kaleido package, which is not installed"):
        to_png(trend_chart(monthly_frame()))


def test_to_png_refuses_a_silly_size():
    with pytest.raises(AnalyticsError, match="width must be a whole number of pixels"):
        to_png(trend_chart(monthly_frame()), width=0)


def test_to_pngs_draws_several_in_one_batch_in_order_and_at_their_sizes():
    figures = [(ward_deltas_chart(ward_frame()), 640, 480), (trend_chart(monthly_frame()), 500, 300)]
    images = to_pngs(figures)
    assert [Image.open(io.BytesIO(image)).size for image in images] == [(640, 480), (500, 300)]
    # The same pictures as drawn one at a time (the batch changes the speed, not the images).
    one_by_one = [Image.open(io.BytesIO(to_png(fig, width=w, height=h))).convert("RGB") for fig, w, h in figures]
    for image, alone in zip(images, one_by_one, strict=True):
        assert Image.open(io.BytesIO(image)).convert("RGB").tobytes() == alone.tobytes()


def test_to_pngs_falls_back_to_one_at_a_time_and_names_each_failure(monkeypatch):
    def no_batch(*args, **kwargs):
        raise RuntimeError("tab crashed")

    def no_browser(*args, **kwargs):
        raise RuntimeError("Kaleido requires Google Chrome to be installed.")

    monkeypatch.setattr(kaleido, "write_fig_from_object_sync", no_batch)
    images = to_pngs([(trend_chart(monthly_frame()), 400, 300)])
    assert images[0].startswith(PNG_SIGNATURE)  # drawn on its own
    monkeypatch.setattr(png_module.pio, "to_image", no_browser)
    failed = to_pngs([(trend_chart(monthly_frame()), 400, 300)])
    assert isinstance(failed[0], AnalyticsError) and failed[0].title == "Cannot make a PNG"


@pytest.mark.skipif(sys.platform != "linux", reason="SCHED_IDLE is Linux's")
def test_the_background_start_runs_what_it_starts_at_idle_priority_and_then_restores_its_threads():
    # warm_in_background: kaleido's Chromium inherits the idle policy; the server's threads do not keep it.
    seen: dict[str, int] = {}

    def background() -> None:
        assert png_module.lower_thread_priority()
        seen["thread"] = os.sched_getscheduler(0)
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(os.sched_getscheduler(0))"],
            capture_output=True,
            text=True,
            check=True,
        )
        seen["child"] = int(child.stdout)
        png_module.restore_thread_priorities()
        seen["after"] = os.sched_getscheduler(0)

    thread = threading.Thread(target=background)
    thread.start()
    thread.join()
    assert seen == {"thread": os.SCHED_IDLE, "child": os.SCHED_IDLE, "after": os.SCHED_OTHER}
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the calling thread was never changed


def test_the_test_process_starts_no_background_chromium(monkeypatch):
    # tests/conftest.py turns it off; the app's own servers keep it (a separate process each).
    started: list[float] = []

    class Timer:
        daemon = False

        def __init__(self, delay, _function):
            started.append(delay)

        def start(self):
            pass

    monkeypatch.setattr(png_module.threading, "Timer", Timer)
    png_module.warm_in_background(delay=8)
    assert started == []
    monkeypatch.setattr(png_module, "BACKGROUND_WARM", True)
    png_module.warm_in_background(delay=8)
    assert started == [8]


# A process whose kaleido Chromium has stopped answering (frozen here with SIGSTOP, as one was found
# when a server was stopped just as Chromium started) and whose PNG is still being drawn.
_FROZEN_CHROMIUM = """
import os, signal, sys, threading, time
import plotly.graph_objects as go
from analytics.present import png
png.to_png(go.Figure(), 10, 10)
browsers = png._browser_processes()
print(" ".join(map(str, browsers)), flush=True)
for pid in browsers:
    os.kill(pid, signal.SIGSTOP)
threading.Thread(target=png.to_png, args=(go.Figure(), 10, 10), daemon=True).start()
time.sleep(0.5)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="finds Chromium's processes in Linux's /proc")
def test_a_process_exits_though_its_chromium_has_stopped_answering(tmp_path):
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _FROZEN_CHROMIUM],
        capture_output=True,
        text=True,
        timeout=90,  # without stop_kaleido's time limit the exit waits for ever
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    exited_after = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    browsers = [int(pid) for pid in done.stdout.split()]
    assert len(browsers) >= 2  # kaleido's wrapper and Chromium, at least
    # Its start (about 3 s), then at most twice the wait: for the close, then after the kill.
    assert exited_after < 6 + 2 * png_module.STOP_WAIT_SECONDS
    time.sleep(0.5)
    left = [pid for pid in browsers if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)]
    assert left == [], "Chromium's processes were killed, not left behind"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# A page run (hold_background_start) while the PNG engine starts in the background, in a process of its own.
_HELD = """
import time
import plotly.graph_objects as go
from analytics.present import png

def state(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"

def stopped():  # of the processes that run (not those ended, waiting to be reaped)
    return {state(pid) == "T" for pid in png._browser_processes() if state(pid) not in ("Z", "gone")}

seen = {}
started = time.monotonic()
png.hold_background_start(1.5)
png.warm_in_background(0)
time.sleep(1.0)
seen["nothing started during the page"] = not png._browser_processes()
while not png._browser_processes() and time.monotonic() - started < 30:
    time.sleep(0.05)
seen["started after the page"] = time.monotonic() - started >= 1.5
png.hold_background_start(1.0)
time.sleep(0.4)
seen["held"] = stopped() == {True}
time.sleep(1.2)
seen["going on after the hold"] = stopped() == {False}
png.hold_background_start(30)
time.sleep(0.4)
seen["held again"] = stopped() == {True}
asked = time.monotonic()
image = png.to_png(go.Figure(), 10, 10)
waited = time.monotonic() - asked
seen["a PNG asked for does not wait for the hold"] = waited < 20 and image.startswith(png.PNG_SIGNATURE)
seen["going on for the PNG"] = stopped() == {False}
while png._warming.is_set() and time.monotonic() - started < 60:
    time.sleep(0.05)
seen["no hold once started"] = png.hold_background_start(5) is False
time.sleep(0.3)
seen["still going on"] = stopped() == {False}
print(seen)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="finds Chromium's processes in Linux's /proc")
def test_a_page_run_holds_the_background_start_and_a_png_ends_the_hold():
    done = subprocess.run([sys.executable, "-c", _HELD], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = ast.literal_eval(done.stdout)
    assert seen == dict.fromkeys(seen, True) and len(seen) == 9, seen


class _ProxySink:
    """A proxy that answers nothing and notes every connection made to it, with the first line of
    what it was sent (empty when nothing came: a preconnect, say)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:  # the socket was closed
                return
            self.requests.append("")  # noted as it arrives, whether or not anything is sent
            threading.Thread(target=self._read, args=(connection, len(self.requests) - 1), daemon=True).start()

    def _read(self, connection: socket.socket, index: int) -> None:
        with connection, contextlib.suppress(OSError):
            connection.settimeout(2)
            self.requests[index] = connection.recv(4096).split(b"\r\n")[0].decode(errors="replace")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)  # wakes the accept
        self._socket.close()


_DRAW_A_PNG = """
import sys, tempfile
from pathlib import Path
import plotly.graph_objects as go
figure = go.Figure(go.Bar(y=[1, 2]))
if sys.argv[1] == "ours":
    from analytics.present import png
    images = png.to_pngs([(figure, 200, 100), (figure, 200, 100), (figure, 200, 100)])
    assert all(image[:8] == png.PNG_SIGNATURE for image in images), images  # drawn, not refused
else:  # kaleido as it comes, or with its MathJax turned off only
    import kaleido
    options = {"mathjax": False} if sys.argv[1] == "no-mathjax" else {}
    with tempfile.TemporaryDirectory() as folder:
        kaleido.start_sync_server(n=1, silence_warnings=True, **options)
        kaleido.write_fig_from_object_sync([{"fig": figure.to_dict(), "path": Path(folder) / "a.png"}])
"""
#: Proxy settings the environment might hold, replaced by the sink's (or removed) for the child.
_PROXY_NAMES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_NO_PROXY_NAMES = ("no_proxy", "NO_PROXY", "auto_proxy", "CHOREO_PROXY_SERVER")


def _requests_through_the_proxy(engine: str) -> list[str]:
    sink = _ProxySink()
    try:
        # The route out of this machine, as the environment names it, is the sink.
        env = {k: v for k, v in os.environ.items() if k not in _NO_PROXY_NAMES}
        env.update({name: sink.url for name in _PROXY_NAMES})
        child = subprocess.run(
            [sys.executable, "-c", _DRAW_A_PNG, engine], cwd=ROOT, env=env, timeout=90, capture_output=True, text=True
        )
        assert child.returncode == 0, child.stderr[-2000:]
        time.sleep(0.5)  # a request sent as the process ended
        return list(sink.requests)
    finally:
        sink.close()


def test_the_png_engine_asks_the_internet_for_nothing():
    # kaleido as it comes: its page loads MathJax from a CDN on every tab reload (one in three held
    # for 5 s here); with that off, its Chromium still calls Google and its search engine by itself.
    # So the sink sees both, and our engine (no MathJax, its own proxy a closed port) sends it nothing.
    assert any("cdnjs.cloudflare.com" in request for request in _requests_through_the_proxy("kaleido"))
    assert _requests_through_the_proxy("no-mathjax") != []
    assert _requests_through_the_proxy("ours") == []


_START_ENGINE = """
import time
import plotly.graph_objects as go
from analytics.present import png
started = time.monotonic()
png.start_engine()
returned = time.monotonic() - started
while not png._browser_processes() and time.monotonic() - started < 20:
    time.sleep(0.05)
print(f"{returned:.2f} {len(png._browser_processes())}", flush=True)
png.to_png(go.Figure(), 10, 10)  # a Chromium fully started, so that the process ends at once
"""


@pytest.mark.skipif(sys.platform != "linux", reason="finds Chromium's processes in Linux's /proc")
def test_start_engine_starts_chromium_and_returns_at_once():
    # A briefing pack calls it first and makes its tables and charts while Chromium starts.
    child = subprocess.run([sys.executable, "-c", _START_ENGINE], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr[-2000:]
    returned, processes = child.stdout.split()
    assert float(returned) < 1.0  # the start itself takes some 1.6 s here
    assert int(processes) >= 1


_NO_BROWSER = """
import plotly.graph_objects as go
from analytics.core.errors import AnalyticsError
from analytics.present import png
try:
    png.to_png(go.Figure(), 10, 10)
except AnalyticsError as error:
    print(error.message)
"""


def test_to_png_explains_a_missing_browser_rather_than_waiting_for_it():
    # kaleido finds out on its own thread, which ends; a PNG asked for after it waited for ever.
    env = {**os.environ, "BROWSER_PATH": "/nonexistent/chromium"}
    child = subprocess.run(
        [sys.executable, "-c", _NO_BROWSER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert "no Chrome or Chromium found" in child.stdout and "/nonexistent/chromium" in child.stdout, child.stderr


def test_pngs_asked_for_at_once_each_get_their_own():
    # kaleido's server hands each caller whichever result is next; sizes tell the images apart.
    sizes = [(120 + 10 * i, 80 + 10 * i) for i in range(6)]
    results: dict[tuple[int, int], tuple[int, int]] = {}

    def draw(width: int, height: int) -> None:
        results[(width, height)] = Image.open(io.BytesIO(to_png(trend_chart(monthly_frame()), width, height))).size

    to_png(trend_chart(monthly_frame()), 50, 50)  # started first, so that the six meet in the queue
    threads = [threading.Thread(target=draw, args=size) for size in sizes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {size: size for size in sizes}
