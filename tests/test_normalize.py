import re
import string
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from indexer.ingest.normalize import MappedText, normalize_document, strip_markdown
from indexer.vntext import TONE_MARKS, fold, has_diacritics, normalize_vietnamese


def test_tone_marks_move_to_one_placement():
    assert normalize_vietnamese("công nghiệp hoá, thuỷ lợi, khoẻ") == "công nghiệp hóa, thủy lợi, khỏe"
    assert normalize_vietnamese("quý, hoàng, thuyền") == "quý, hoàng, thuyền"
    assert normalize_vietnamese("Hoà Bình") == "Hòa Bình"


def test_normalisation_is_idempotent_and_length_preserving():
    text = "Phát triển khoa học, công nghệ và đổi mới sáng tạo — hoà nhập, thuỷ sản"
    once = normalize_vietnamese(text)
    assert normalize_vietnamese(once) == once
    assert len(once) == len(text)


def test_fold_removes_accents_and_d_stroke():
    assert fold("Đổi mới SÁNG TẠO") == "doi moi sang tao"
    assert has_diacritics("sở hữu") and not has_diacritics("so huu")


def test_markdown_removed_with_offsets_into_source():
    raw = "## KẾ HOẠCH\n\n**1. Mục tiêu**\n\nNội dung"
    mapped = strip_markdown(MappedText.identity(raw))
    assert "*" not in mapped.text and "#" not in mapped.text
    start = mapped.text.index("Mục tiêu")
    s, e = mapped.source_span(start, start + len("Mục tiêu"))
    assert raw[s:e] == "Mục tiêu"


def test_sentence_split_by_page_break_is_rejoined():
    raw = "trong điều kiện kinh tế thị\n\ntrường định hướng xã hội chủ nghĩa.\n\nI. MỤC TIÊU"
    doc = normalize_document(raw)
    assert "kinh tế thị trường định hướng" in doc.text
    assert "\n\nI. MỤC TIÊU" in doc.text


def test_list_items_and_headings_are_not_joined():
    raw = "1. Mục tiêu chung\n\na) Các cơ quan\n\n- phát triển\n\nđổi mới"
    doc = normalize_document(raw)
    assert "Mục tiêu chung\n\na) Các cơ quan" in doc.text


# --- Property-based tests (hypothesis) --------------------------------------------------------
# Generated text mixes Vietnamese letters (precomposed and with decomposed marks), ASCII, digits,
# punctuation, layout (blank lines, page breaks, list markers) and markdown.

def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


_VOWELS = "aăâeêioôơuưy"
ACCENTED = frozenset({_nfc(v + t) for v in _VOWELS + _VOWELS.upper() for t in TONE_MARKS | {""}}
                     - set(string.ascii_letters) | {"đ", "Đ"})
_LETTERS = "".join(sorted(ACCENTED)) + string.ascii_letters + string.digits + ' .,;:!?()-%/"\t\n'
_MARKS = "".join(sorted(TONE_MARKS)) + "\u0302\u0306\u031b"  # tones, circumflex, breve, horn
SYLLABLES = ("hoà", "hòa", "HOÀ", "thuỷ", "thủy", "Thuỵ", "khoẻ", "Hôi", "tỷ lệ", "quý", "Đổi mới", "ngoài",
             "công nghiệp hoá", "khoa học")
DECOMPOSED = ("hoa\u0300", "thuy\u0309", "o\u031b\u0301", "a\u0300\u0301")
LAYOUT = ("\n", "\n\n", "\n\n\n", " \n", "  ", "- ", "a) ", "1. ", ".\n\n", "thị\n\ntrường", "chủ\n nghĩa")
MARKUP = ("**{}**", "*{}*", "__{}__", "\n## {}\n", "\n# {}\n")


def _texts(alphabet: str, *fragments: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.text(alphabet, max_size=6), *fragments), max_size=25).map("".join)


_markup = st.tuples(st.sampled_from(MARKUP), st.sampled_from(SYLLABLES)).map(lambda p: p[0].format(p[1]))
_pieces = st.sampled_from(SYLLABLES + DECOMPOSED + LAYOUT)
vietnamese = _texts(_LETTERS, _pieces, _markup)  # well-formed markdown, marks only on letters
anything = _texts(_LETTERS + _MARKS + "*#_", _pieces, _markup)  # markup characters anywhere
nfc_text = anything.map(_nfc)
properties = settings(max_examples=200, deadline=None)


@properties
@given(anything)
@example("OA\u0300\u0300")  # a stray second tone mark: the tone must not move off the marked letter
def test_normalize_vietnamese_is_idempotent(text: str) -> None:
    once = normalize_vietnamese(text)
    assert normalize_vietnamese(once) == once


@properties
@given(nfc_text)
def test_normalize_vietnamese_preserves_length_of_nfc_text(text: str) -> None:
    assert len(normalize_vietnamese(text)) == len(text)


@properties
@given(vietnamese)
@example("__hoà__")  # the tone is placed before markdown is stripped, so "_" is no letter
def test_normalize_document_is_idempotent(raw: str) -> None:
    """Markdown is stripped once: what stripping reveals ('**## x**' → '## x', '*\u0300' → a mark
    on the letter before) is content, so this holds for well-formed markup, not for any text."""
    once = normalize_document(raw).text
    assert normalize_document(once).text == once


@properties
@given(anything)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@properties
@given(nfc_text)
def test_fold_preserves_length_and_removes_diacritics(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert not ACCENTED & set(folded)
    assert "".join(c for c in folded if not unicodedata.combining(c)).isascii()  # bar marks NFC left standing


@properties
@given(nfc_text)
def test_fold_ignores_tone_placement(text: str) -> None:
    assert fold(normalize_vietnamese(text)) == fold(text)


@properties
@given(anything)
def test_document_offsets_are_in_bounds_and_ordered(raw: str) -> None:
    doc = normalize_document(raw)
    assert len(doc.offsets) == len(doc.text)
    assert all(0 <= o < len(raw) for o in doc.offsets)
    assert all(a <= b for a, b in zip(doc.offsets, doc.offsets[1:]))


@properties
@given(anything, st.data())
def test_source_span_stays_in_source(raw: str, data: st.DataObject) -> None:
    doc = normalize_document(raw)
    start = data.draw(st.integers(0, len(doc.text)))
    end = data.draw(st.integers(start, len(doc.text)))
    s, e = doc.source_span(start, end)
    assert 0 <= s <= e <= len(raw)


@properties
@given(nfc_text)
def test_document_chars_come_from_their_source_offsets(raw: str) -> None:
    """Each character is its source character (after tone placement) or whitespace standing for
    whitespace (a joined line, a page break, a table's cell or row separator)."""
    source = normalize_vietnamese(raw)
    doc = normalize_document(raw)
    for ch, off in zip(doc.text, doc.offsets):
        assert ch == source[off] or ch.isspace() and source[off].isspace()


@properties
@given(nfc_text)
def test_unbroken_word_maps_to_the_same_word_in_source(raw: str) -> None:
    doc = normalize_document(raw)
    for word in re.finditer(r"\w+", doc.text):
        span = doc.offsets[word.start(): word.end()]
        if span == list(range(span[0], span[0] + len(span))):  # no markup dropped inside it
            s, e = doc.source_span(word.start(), word.end())
            assert fold(raw[s:e]) == fold(word.group())
