"""The kernel manager both engines start kernels with: shut down without a SIGINT.

jupyter_client interrupts a kernel (SIGINT) before every shutdown, even a polite one.
When the interrupt lands while the kernel is still handling a message, ipykernel logs
``[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.`` on the terminal after a
perfectly successful run. A kernel that is being shut down gains nothing from the
interrupt, so it is skipped then; interrupts at any other time are unchanged.
"""

from __future__ import annotations

from jupyter_client.manager import AsyncKernelManager


class QuietShutdownKernelManager(AsyncKernelManager):
    """AsyncKernelManager that does not interrupt a kernel it is shutting down."""

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel
