"""Indexing on a Ray cluster (``vnpolicy index --ray``): the same index, built by many machines.

- ``stages.py``: what runs on the workers: the parse task (load, OCR, normalise, passages) and the
  embedding actor (one model load per actor, on a GPU where the cluster has one);
- ``build.py``: the driver: plans the files, sends only changed ones to a Ray Data pipeline, checks that
  every passage came back once with its vector, then writes and publishes through the local path's
  writer (same ids, checksums, atomic swap);
- ``progress.py``: files, pages, passages, rate and ETA printed on the driver.
"""
