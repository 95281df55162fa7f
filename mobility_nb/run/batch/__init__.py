"""Batch runs at national scale: many pages, warm kernels, resumable, with an index.

Modules (import them directly; this package stays light because every batch kernel
imports :mod:`mobility_nb.run.kernel_state`):

* :mod:`.selection`: YAML/CSV lists and ``--state/--level/--all`` selectors -> jobs
* :mod:`.kernel_state`, :mod:`.kernel_pool`: warm kernels and their reset between pages
* :mod:`.executor`: run one page in a warm kernel and publish it like ``mobility-nb run``
* :mod:`.backends`, :mod:`.dask_backend`: worker processes, threads, or Dask
* :mod:`.fingerprint`, :mod:`.manifest`, :mod:`.index_page`: resume, records, index.html
* :mod:`.run`: :func:`run_batch`, the orchestrator; :mod:`.cli`: ``mobility-nb batch``
"""
