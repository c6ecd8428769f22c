"""Facts read from a document's text.

- ``metadata.py`` (with ``titles.py``, ``issuers.py``, ``signature.py``): loại văn bản, số hiệu, dates,
  trích yếu, issuer and its kind, signer, level; ``corpus/manifest.yaml`` overrides.
- ``localities.py``: the 34 provincial units since 1 July 2025 and the 63 former provinces they absorbed;
  place names in a text → province then and now.
- ``targets.py`` (with ``targets_years.py``): numeric targets ("đạt 70%", "ít nhất 5 dự án") and their
  deadline years.
"""
