"""Files in, passages out: nothing of a document's body is lost on the way.

- ``loaders.py``: one function per file format → ``LoadedFile`` (text + page offsets); ``ocr.py`` reads
  scanned pages (Tesseract), ``text_quality.py`` tells a text layer worth keeping from garbage.
- ``portal.py``: a published page → the document body (portal chrome cut, its metadata table read).
- ``normalize.py``: the document's text with offsets back to the file (markdown, page breaks);
  ``reflow.py``: hard-wrapped lines back into paragraphs, pipe tables into tab-separated rows.
- ``structure.py``: blocks → a tree of numbered units (Chương/Điều/khoản/điểm, I./1./1.1/a)/-);
  ``chunking.py``: the tree → passages that lose nothing; ``coverage.py``: how much of a body they hold.
- ``documents.py``: one loaded file → ``ParsedDocument`` (text, metadata, sections, passages).
- ``limits.py``: per-document limits (pages, OCR pages, characters, passages).
"""
