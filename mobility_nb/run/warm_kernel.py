"""One long-lived Jupyter kernel per worker, started once and reset between pages.

Starting a kernel and importing pandas + matplotlib costs seconds; a findings page costs
a fraction of that. :class:`WarmKernel` starts a kernel once, records its clean state
(:mod:`mobility_nb.run.kernel_state`) and puts that state back after every page.

Kernels talk over IPC sockets on POSIX, which avoids jupyter_client's TCP port race
(two processes picking the same "free" port, papermill#511) when several batch workers
or Dask worker processes start kernels at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import uuid
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_runtime_dir

from mobility_nb.errors import KernelStartError, KernelTrouble, MobilityNBError  # noqa: F401 (defined there)
from mobility_nb.run.kernel_manager import QuietShutdownKernelManager
from mobility_nb.run.lifeline import kernel_startup_code

KERNEL_NAME = "python3"
START_TIMEOUT = 60.0


def _snapshot_code(preload: tuple[str, ...] | None) -> str:
    arg = "" if preload is None else repr(tuple(preload))
    return f"__import__('mobility_nb.run.kernel_state', fromlist=['_']).snapshot({arg})"


def _restore_code(cwd: str | None) -> str:
    chdir = f";__import__('os').chdir({cwd!r})" if cwd else ""
    return f"__import__('mobility_nb.run.kernel_state', fromlist=['_']).restore(){chdir}"


class WarmKernel:
    """A kernel plus its client, driven from one thread through a private event loop.

    Not thread-safe: each worker thread (or process) owns its own ``WarmKernel``.
    """

    def __init__(
        self,
        kernel_name: str = KERNEL_NAME,
        cwd: str | os.PathLike[str] | None = None,
        preload: tuple[str, ...] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.kernel_name = kernel_name
        self.cwd = str(cwd) if cwd else os.getcwd()
        self.preload = preload
        self.env = env
        self.loop = asyncio.new_event_loop()
        self.km: QuietShutdownKernelManager | None = None
        self.kc: Any = None
        self.starts = 0  # how many kernels this worker has started (1 + restarts)
        self.pages_since_start = 0

    # -- lifecycle -------------------------------------------------------------------
    def run(self, coro: Any) -> Any:
        """Run a coroutine on this kernel's private loop (callers are synchronous)."""
        return self.loop.run_until_complete(coro)

    def start(self) -> None:
        """Start the kernel (if not running) and record its clean state."""
        if self.km is not None:
            return
        self.run(self._start())

    async def _start(self) -> None:
        km = QuietShutdownKernelManager(kernel_name=self.kernel_name)
        if os.name == "posix":
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(parents=True, exist_ok=True)
            base = runtime / f"mnb-{uuid.uuid4().hex[:12]}"
            km.connection_file = f"{base}.json"
            km.transport = "ipc"
            km.ip = f"{base}-ipc"
        env = dict(os.environ if self.env is None else self.env)
        # Same history setting nbclient uses: no SQLite file shared between kernels.
        args = ["--HistoryManager.hist_file=:memory:"]
        try:
            await km.start_kernel(extra_arguments=args, cwd=self.cwd, env=env)
            kc = km.client()
            kc.start_channels()
            await kc.wait_for_ready(timeout=START_TIMEOUT)
        except Exception as exc:
            with contextlib.suppress(Exception):
                await km.shutdown_kernel(now=True)
            raise KernelStartError(
                f"Could not start the Jupyter kernel {self.kernel_name!r} for a batch worker "
                f"({type(exc).__name__}: {exc}). Check that ipykernel is installed in this "
                "environment (python -m ipykernel install --user) and that the machine is "
                "not out of memory."
            ) from exc
        kc.allow_stdin = False
        self.km, self.kc = km, kc
        self.starts += 1
        self.pages_since_start = 0
        # First: the kernel dies with this process (mobility_nb.run.lifeline), then the
        # clean state is recorded.
        startup = f"{kernel_startup_code()};{_snapshot_code(self.preload)}"
        await self._silent(startup, timeout=START_TIMEOUT)

    async def _silent(
        self, code: str, timeout: float = 30.0, expressions: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Execute bookkeeping code without touching history, outputs or counters."""
        for _ in range(3):
            content = await self._silent_once(code, timeout, expressions or {})
            # Right after a failed cell the kernel may still be aborting queued requests.
            if content.get("status") != "aborted":
                break
            await asyncio.sleep(0.05)
        if content.get("status") != "ok":
            raise KernelTrouble(
                f"kernel bookkeeping failed: {content.get('status')} "
                f"{content.get('ename', '')}: {content.get('evalue', '')}"
            )
        return content

    async def _silent_once(
        self, code: str, timeout: float, expressions: dict[str, str]
    ) -> dict[str, Any]:
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, allow_stdin=False, user_expressions=expressions
        )
        deadline = self.loop.time() + timeout
        while True:
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                raise KernelTrouble(f"kernel did not answer within {timeout:.0f} s")
            try:
                reply = await self.kc.get_shell_msg(timeout=min(remaining, 1.0))
            except Exception:  # noqa: BLE001 - queue.Empty: poll again, checking the kernel
                if not await self.km.is_alive():
                    raise KernelTrouble("kernel died") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        """Evaluate a Python literal-valued expression in the kernel and return its value."""
        import ast

        content = self.run(self._silent("pass", timeout=timeout, expressions={"v": expression}))
        result = content.get("user_expressions", {}).get("v", {})
        if result.get("status") != "ok":
            raise KernelTrouble(
                f"kernel could not evaluate {expression!r}: "
                f"{result.get('ename')}: {result.get('evalue')}"
            )
        return ast.literal_eval(result["data"]["text/plain"])

    def reset(self, cwd: str | None = None) -> None:
        """Put the kernel back into its clean state (call after every page)."""
        self.run(self._silent(_restore_code(cwd)))

    @property
    def pid(self) -> int | None:
        """Process id of the kernel, when it runs locally."""
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(proc, "pid", None)

    def is_alive(self) -> bool:
        return self.km is not None and bool(self.run(self.km.is_alive()))

    def restart(self) -> None:
        """Replace a dead, hung or unresettable kernel with a fresh one."""
        self.shutdown(close_loop=False)
        self.start()

    def shutdown(self, close_loop: bool = True) -> None:
        """Stop the kernel and release its sockets and files (from any thread).

        Dask stops a worker's kernels from its own event loop, where this kernel's loop
        cannot run; the shutdown then runs on a helper thread instead, so it happens
        (no "coroutine ... was never awaited") and the kernel process does not linger.
        """
        km, kc = self.km, self.kc
        pid = self.pid
        self.km = self.kc = None
        if km is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()
            if self._run_anywhere(lambda: km.shutdown_kernel(now=True)):
                self._run_anywhere(km.cleanup_resources)
            else:  # the loop is busy in another thread (a page still running): no async
                for cleanup in (km.cleanup_connection_file, km.cleanup_ipc_files):
                    with contextlib.suppress(Exception):
                        cleanup()
            if pid is not None:  # whatever happened above, the process must be gone
                _kill_child(pid)
        if close_loop and not self.loop.is_closed():
            self.loop.close()

    def _run_anywhere(self, make: Any) -> bool:
        """Run the coroutine ``make()`` on this kernel's loop; False when it cannot run.

        Errors are ignored; a coroutine that cannot run is never created.
        """
        if self.loop.is_closed() or self.loop.is_running():
            return False

        def work() -> None:
            coro = make()
            try:
                self.loop.run_until_complete(coro)
            except Exception:  # noqa: BLE001 - shutting down: nothing more to do
                coro.close()

        try:
            asyncio.get_running_loop()
        except RuntimeError:  # the usual case: no loop runs in this thread
            work()
            return True
        helper = threading.Thread(target=work, name="mnb-kernel-shutdown", daemon=True)
        helper.start()
        helper.join(timeout=30)
        return True

    def __enter__(self) -> WarmKernel:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _kill_child(pid: int) -> None:
    """Kill and reap our child ``pid`` if it is still there (never a reused pid)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return  # already reaped by jupyter_client: the pid is no longer ours
    if done:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
