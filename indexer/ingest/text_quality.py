"""How good is a page's text: is a PDF text layer usable (or does the page need OCR), and the
character error rate used to measure OCR against a reference text."""
from __future__ import annotations

import re
import string
import unicodedata

MIN_TEXT_CHARS = 20  # a text layer with fewer non-space characters is treated as absent
MIN_WELL_FORMED = 0.6  # share of words that must be well-formed for a text layer to be usable


def _vietnamese_letters() -> frozenset[str]:
    letters = set(string.ascii_letters) | {"đ", "Đ"}
    for base in "aăâeêioôơuưy":
        for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"):
            char = unicodedata.normalize("NFC", base + tone)
            letters |= {char, char.upper()}
    return frozenset(letters)


_LETTERS = _vietnamese_letters()
_WORD_CHARS = _LETTERS | set(string.digits) | set("-–/.,:;%&+_'’()")
_EDGE_PUNCTUATION = string.punctuation + "“”‘’«»…–—•·"
_CID = re.compile(r"\(cid:\d+\)|/uni[0-9A-Fa-f]{4}|/g\d+")  # unmapped glyphs as pypdf writes them


def text_layer_quality(text: str) -> float:
    """Share of a page's words that are well-formed Vietnamese/Latin words or numbers (1.0 = clean).

    Text from a font without a Unicode map, or in a legacy 8-bit Vietnamese encoding (TCVN3/VNI:
    'ho¹ch', 'c«ng nghÖ'), has many words with characters outside the Vietnamese alphabet.
    """
    text = _CID.sub("\ufffd", unicodedata.normalize("NFC", text))
    good = bad = 0
    for token in text.split():
        token = token.strip(_EDGE_PUNCTUATION)
        if not token:
            continue
        if all(c in _WORD_CHARS for c in token) and any(c.isalnum() for c in token):
            good += 1
        else:
            bad += 1
    return good / (good + bad) if good + bad else 0.0


def needs_ocr(text: str) -> str | None:
    """Why this page's text layer is not usable ('no text layer', 'garbled text layer …'), or None."""
    chars = sum(1 for c in text if not c.isspace())
    if chars < MIN_TEXT_CHARS:
        return "no text layer" if chars == 0 else f"almost no text layer ({chars} characters)"
    quality = text_layer_quality(text)
    if quality < MIN_WELL_FORMED:
        return f"garbled text layer ({quality:.0%} well-formed words)"
    return None


# --------------------------------------------------------------------------------------------
# Measuring OCR quality

def normalise_for_cer(text: str) -> str:
    """NFC, every run of whitespace one space, trimmed: what the character error rate compares."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (unit costs), row by row with numpy: O(len(a)·len(b)) but vectorised."""
    import numpy as np

    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    target = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    steps = np.arange(len(b) + 1)
    row = steps.copy()
    for i, char in enumerate(a, 1):
        diagonal = row[:-1] + (target != ord(char))
        new = np.empty_like(row)
        new[0] = i
        new[1:] = np.minimum(row[1:] + 1, diagonal)
        row = np.minimum.accumulate(new - steps) + steps  # insertions within the row
    return int(row[-1])


def character_error_rate(hypothesis: str, reference: str) -> float:
    """Edit distance / reference length after ``normalise_for_cer``."""
    hyp, ref = normalise_for_cer(hypothesis), normalise_for_cer(reference)
    return edit_distance(hyp, ref) / max(1, len(ref))
