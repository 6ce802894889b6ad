"""Charts as PNG images, drawn by kaleido in a headless Chromium (for downloads and briefings)."""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from analytics.core.errors import AnalyticsError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_KALEIDO_LOCK = threading.Lock()
_KALEIDO_STARTED = False
#: Tabs kaleido's Chromium draws in. Each tab loads plotly.js when Chromium starts, so a second
#: one made seven charts 0.27 s quicker once started (0.75 s against 1.02 s here) but the start
#: 0.9 s slower: a pack asked for before the background start took 3.6 s against 2.6 s with one.
KALEIDO_TABS = 1
#: Where kaleido's Chromium sends whatever it would fetch from the internet by itself: a closed port
#: on this machine, so the request fails at once and nothing leaves it. Unbidden, that Chromium
#: asked Google for the time, component updates and accounts, and its search engine for a
#: preconnect, through the proxy the environment named (tests/test_png.py).
OFFLINE_PROXY = "http://127.0.0.1:9"


#: kaleido's server takes one call at a time but hands each caller whichever result is next: two
#: PNGs asked for at once (two sessions, or a person's and the background start's blank one) could
#: come back swapped. One call at a time here, then (tests/test_png.py).
_DRAW_LOCK = threading.Lock()


def _ensure_kaleido_server() -> None:
    """Start kaleido's Chromium once per process and keep it: started, seven charts take about 1 s
    here; from cold about 2.6 s.

    Raises RuntimeError when no Chrome or Chromium can be found: kaleido would find that out on
    its own thread, which then ends, and every PNG asked for after would wait for it for ever."""
    global _KALEIDO_STARTED
    with _KALEIDO_LOCK:
        if not _KALEIDO_STARTED:
            # Deferred: kaleido is optional (to_png checks for it first and explains its absence).
            import kaleido
            from choreographer.browsers.chromium import Chromium

            browser = Chromium.find_browser(skip_local=False)  # as kaleido looks: BROWSER_PATH, then PATH
            if not browser or not Path(browser).is_file():
                raise RuntimeError(f"no Chrome or Chromium found (BROWSER_PATH={os.environ.get('BROWSER_PATH')!r})")

            # No MathJax (no chart here uses LaTeX): kaleido's page loads it from a CDN by default, on
            # every tab's reload after each chart, an outside call that here held one reload in
            # three for 5 s (a pack of seven charts took 1.7 to 5.7 s; without it 0.72 to 0.78 s).
            kaleido.start_sync_server(n=KALEIDO_TABS, mathjax=False, proxy_server=OFFLINE_PROXY, silence_warnings=True)
            atexit.register(stop_kaleido)  # before kaleido's own stop, which can wait for ever
            _KALEIDO_STARTED = True


#: How long the process's exit waits for kaleido's Chromium to close before killing it. A server
#: stopped just as Chromium was starting waited for ever in one of seven tries here (Chromium
#: alive, not answering; kaleido's own stop has no time limit), and a CI teardown failed on it.
STOP_WAIT_SECONDS = 5.0


#: How long a page run pauses kaleido's Chromium while it starts in the background (some 1.6 s
#: here, with one tab): long enough for the page to be drawn, a map included (1.2 to 1.8 s here). SCHED_IDLE
#: alone did not keep it from slowing the person: a first map clicked as it started took 2.2 s
#: median against 1.8 s with no Chromium starting (the two virtual cores share one physical one).
HOLD_SECONDS = 2.5
_HOLD_LOCK = threading.Lock()
_hold_until = 0.0
_holder: threading.Thread | None = None
_warming = threading.Event()  # set while warm_in_background's start runs
_drawing = 0  # PNGs being drawn for someone, who must not wait for a hold


def hold_background_start(seconds: float = HOLD_SECONDS) -> bool:
    """Called as each page runs: while kaleido's Chromium is starting in the background (and no
    PNG is being drawn), stop its processes (SIGSTOP) until ``seconds`` after the last such call,
    then let them go on (SIGCONT); a start not yet begun waits as long. True when a hold is on.
    Once Chromium has drawn its first image it is idle, and this does nothing."""
    global _hold_until, _holder
    with _HOLD_LOCK:
        # Kept when nothing is starting too: a start due within ``seconds`` waits for it.
        _hold_until = max(_hold_until, time.monotonic() + seconds)
        if not _warming.is_set() or _drawing:
            return False
        if _holder is None or not _holder.is_alive():
            _holder = threading.Thread(target=_hold, name="png-hold", daemon=True)
            _holder.start()
    return True


def _hold() -> None:
    stopped: list[int] = []
    try:
        # Looked for again as it goes: Chromium starts processes while it starts.
        while time.monotonic() < _hold_until and _warming.is_set() and not _drawing:
            for pid in _browser_processes():
                if pid not in stopped:
                    _signal(pid, signal.SIGSTOP)
                    stopped.append(pid)
            time.sleep(0.05)
    finally:
        for pid in stopped:
            _signal(pid, signal.SIGCONT)


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except OSError:  # it has ended
        pass


@contextlib.contextmanager
def _for_someone() -> Iterator[None]:
    """A PNG someone asked for: ends any hold at once, and none starts until it is drawn."""
    global _drawing
    with _HOLD_LOCK:
        _drawing += 1
    if _holder is not None:
        _holder.join()  # it notices within 0.05 s, and lets Chromium go on
    try:
        yield
    finally:
        with _HOLD_LOCK:
            _drawing -= 1


def stop_kaleido(wait: float = STOP_WAIT_SECONDS) -> bool:
    """Close kaleido's Chromium, at normal priority, waiting at most ``wait`` seconds; then kill
    what is left of it, and wait as long again for kaleido to notice. Run at the process's exit.
    True when kaleido has stopped."""
    import kaleido

    _warming.clear()  # ends a hold
    browsers = _browser_processes()
    for pid in browsers:
        _signal(pid, signal.SIGCONT)
        _restore_priorities(Path(f"/proc/{pid}/task"))  # so that closing is not starved by a busy machine
    stopper = threading.Thread(target=kaleido.stop_sync_server, kwargs={"silence_warnings": True}, daemon=True)
    stopper.start()
    stopper.join(wait)
    if stopper.is_alive():
        for pid in browsers:
            _signal(pid, signal.SIGKILL)
        stopper.join(wait)
    return not stopper.is_alive()


def _browser_processes() -> list[int]:
    """The processes of the Chromium this process started (its children whose command line names
    Chromium or Chrome, as kaleido's wrapper's does, and all they started), from Linux's /proc;
    empty elsewhere."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        # "pid (command) state ppid ...": the command may hold spaces and brackets.
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = [pid for pid, parent in parents.items() if parent == os.getpid() and _names_chrome(pid)]
    for pid in found:  # grows as it goes: a breadth-first walk down the tree
        found.extend(child for child, parent in parents.items() if parent == pid)
    return found


def _names_chrome(pid: int) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().lower()
    except OSError:
        return False
    return b"chrom" in command


def lower_thread_priority() -> bool:
    """Give the calling thread, and the threads and processes it starts from now on, the CPU only
    when nothing else wants it: Linux's SCHED_IDLE policy, which belongs to a thread and is
    inherited by what it starts. (A nice value would not hold: Chromium sets its processes' own.)
    Elsewhere nothing is changed (False)."""
    if sys.platform != "linux" or not hasattr(os, "SCHED_IDLE"):
        return False
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except OSError:
        return False
    return True


def restore_thread_priorities() -> None:
    """Every thread of this process back to the normal policy (the processes it started keep
    theirs). A Python thread left idle could hold the interpreter's lock while the CPU is busy
    elsewhere, and the server's other threads would wait for it."""
    _restore_priorities(Path("/proc/self/task"))


def _restore_priorities(tasks: Path) -> None:
    """Each thread in ``tasks`` (a process's /proc/<pid>/task) with the idle policy back to normal."""
    for task in tasks.glob("[0-9]*"):
        try:
            if os.sched_getscheduler(int(task.name)) == os.SCHED_IDLE:
                os.sched_setscheduler(int(task.name), os.SCHED_OTHER, os.sched_param(0))
        except OSError:  # ended, or not ours to change
            continue


#: Off in the test process (tests/conftest.py): a Chromium started in the background by whichever
#: test first runs the app put its profile folders in a temporary folder another test had set up
#: (and checks is emptied). The tests that draw PNGs start it themselves, as to_png does.
BACKGROUND_WARM = True


def warm_in_background(delay: float) -> None:
    """Start kaleido's Chromium on a background thread after ``delay`` seconds, so that the first
    PNG or briefing pack does not pay its start (about 1.6 s here: a pack of seven charts took
    2.6 s from cold against 1.0 s started). The delay leaves the first page to draw before
    Chromium starts on a small machine. Chromium is started, and draws a first image, at the lowest priority
    (:func:`lower_thread_priority`), and keeps it: at normal priority it held up the pages of a
    person clicking on (Ward patterns, clicked 10 s after the Overview, took 1.8 and 2.2 s to
    appear in two of five sessions, 0.6 to 0.8 s in the others; 0.6 to 0.7 s in all five now). It
    also waits, and pauses, while a page is being drawn (:func:`hold_background_start`): at idle
    priority alone a map clicked as it started still took 2.2 s. A failure is left for to_png to
    report when a PNG is asked for."""

    if not BACKGROUND_WARM:
        return

    def warm() -> None:
        if importlib.util.find_spec("kaleido") is None:
            return
        lowered = lower_thread_priority()
        _warming.set()  # first: a page run from now on holds what starts
        while (left := _hold_until - time.monotonic()) > 0:
            time.sleep(left)  # a page is being drawn
        try:
            _ensure_kaleido_server()
            _draw(go.Figure(), width=10, height=10)  # returns once Chromium is up and drawing
        except Exception:  # noqa: BLE001 - reported by to_png, with what to install, when it is used
            return
        finally:
            _warming.clear()
            if lowered:
                restore_thread_priorities()

    timer = threading.Timer(delay, warm)
    timer.daemon = True
    timer.start()


def _check_size(width: int, height: int) -> None:
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or not 10 <= value <= 10_000:
            raise AnalyticsError(
                f"PNG {name} must be a whole number of pixels from 10 to 10,000; got {value!r}.",
                title="Invalid image size",
            )


def to_png(fig: go.Figure, width: int = 1200, height: int = 700) -> bytes:
    """The figure as a PNG image of ``width`` × ``height`` pixels, drawn by kaleido in a headless
    Chromium (Debian's ``/usr/bin/chromium`` on PATH will do; ``BROWSER_PATH`` can name another).

    A tall chart (many wards) reads better at its own height: ``to_png(fig, height=fig.layout.height)``.

    Raises
    ------
    AnalyticsError
        When kaleido is not installed or cannot start Chromium; the message says which and what
        to install. The figure itself is unaffected, so a page can show the chart and the error.
    """
    with _for_someone():
        return _draw(fig, width, height)


def _draw(fig: go.Figure, width: int, height: int) -> bytes:
    _check_size(width, height)
    if importlib.util.find_spec("kaleido") is None:
        raise AnalyticsError(
            "PNG export needs the kaleido package, which is not installed.",
            title="Cannot make a PNG",
            fix="Install it with `.venv/bin/pip install kaleido` (it draws with Chromium: `apt-get install chromium`).",
        )
    try:
        _ensure_kaleido_server()
        # The lock outside: catch_warnings changes the process's filters, which threads share.
        with _DRAW_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts is ignored if using a server": expected
            png = pio.to_image(fig, format="png", width=width, height=height, scale=1)
    except Exception as error:  # kaleido raises several kinds when Chromium cannot start or crashes
        raise AnalyticsError(
            f"The chart could not be drawn as a PNG: kaleido could not run a headless "
            f"Chromium ({type(error).__name__}: {error}).".replace("\n", " "),
            title="Cannot make a PNG",
            fix="Install Chromium (`apt-get install chromium`) so that `chromium` is on PATH, "
            "or set BROWSER_PATH to a Chrome or Chromium executable.",
        ) from error
    if not isinstance(png, bytes) or not png.startswith(PNG_SIGNATURE):
        raise AnalyticsError(
            "kaleido returned something that is not a PNG image.",
            title="Cannot make a PNG",
            fix="Update kaleido and Chromium.",
        )
    return png


def to_pngs(figures: list[tuple[go.Figure, int, int]]) -> list[bytes | AnalyticsError]:
    """Several figures as PNG images, each ``(figure, width, height)``, drawn by kaleido's tabs
    (:data:`KALEIDO_TABS`) in one batch; in the figures' order. Where the batch cannot be drawn, each
    figure is drawn on its own by :func:`to_png`, and one that still cannot be is given as the
    AnalyticsError that says why (a pack shows the others)."""
    for _, width, height in figures:
        _check_size(width, height)
    if not figures:
        return []
    with _for_someone():
        return _draw_all(figures)


def start_engine() -> None:
    """Start kaleido's Chromium now, if it has not started, and end any hold on a background start:
    for PNGs about to be asked for. It starts on kaleido's own thread, so the caller goes on (a
    briefing pack computes its tables and charts meanwhile). A failure is left for to_png and
    to_pngs to report, with what to install."""
    with _for_someone(), contextlib.suppress(Exception):
        _ensure_kaleido_server()


def _draw_all(figures: list[tuple[go.Figure, int, int]]) -> list[bytes | AnalyticsError]:
    try:
        _ensure_kaleido_server()
        import kaleido

        with tempfile.TemporaryDirectory(prefix="asb-png-") as folder:
            paths = [Path(folder) / f"chart-{i}.png" for i in range(len(figures))]
            jobs = [
                {"fig": fig.to_dict(), "path": path, "opts": {"format": "png", "width": w, "height": h, "scale": 1}}
                for (fig, w, h), path in zip(figures, paths, strict=True)
            ]
            with _DRAW_LOCK:
                kaleido.write_fig_from_object_sync(jobs)
            images = [path.read_bytes() for path in paths]
        if all(image.startswith(PNG_SIGNATURE) for image in images):
            return list(images)
    except Exception:  # noqa: BLE001 - drawn one by one below, where each failure is explained
        pass
    out: list[bytes | AnalyticsError] = []
    for fig, width, height in figures:
        try:
            out.append(to_png(fig, width=width, height=height))
        except AnalyticsError as error:
            out.append(error)
    return out
