"""Offline evaluation behind ``vnpolicy eval``: retrieval on the dev set (``dev``) and on BEIR-format
datasets (``beir``), extractive answers (``answers``), target extraction and compare (``targets``),
metadata accuracy (``realdocs``) and known-item search (``known_items``) on real published documents.

The gold sets and benchmark scripts are in ``eval/`` at the repository root; this code is a package
of the service because ``vnpolicy eval`` runs it from an installed package (``eval/`` is not one).
"""
from __future__ import annotations

from .answers import run_answer_eval
from .beir import run_beir_eval
from .dev import run_dev_eval
from .known_items import run_realdocs_eval
from .realdocs import metadata_accuracy
from .targets import run_compare_eval, run_targets_eval, targets_from_documents

__all__ = ["metadata_accuracy", "run_answer_eval", "run_beir_eval", "run_compare_eval", "run_dev_eval",
           "run_realdocs_eval", "run_targets_eval", "targets_from_documents"]
