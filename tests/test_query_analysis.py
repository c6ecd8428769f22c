from indexer.search.diacritics import DiacriticModel
from service.glossary import translate_terms
from service.highlight import highlight_spans
from service.query_analysis import QueryAnalyzer

CORPUS_LINES = [
    "Từ 70-80% sản phẩm chủ lực, đặc sản của địa phương được đăng ký bảo hộ quyền sở hữu trí tuệ.",
    "Hỗ trợ từ 2% – 3% doanh nghiệp áp dụng các công cụ cải tiến năng suất chất lượng.",
    "Phát triển khoa học và công nghệ tỉnh Quảng Trị đến năm 2030.",
]


def test_unaccented_query_is_re_accented_from_the_corpus():
    analysis = QueryAnalyzer(DiacriticModel.build(CORPUS_LINES)).analyze("san pham chu luc duoc bao ho so huu tri tue quang tri")
    assert analysis.language == "vi"
    assert analysis.restored == "sản phẩm chủ lực được bảo hộ sở hữu trí tuệ quảng trị"


def test_question_words_restore_even_when_the_corpus_lacks_them():
    analysis = QueryAnalyzer(DiacriticModel.build(CORPUS_LINES)).analyze("bao nhieu phan tram doanh nghiep")
    assert analysis.restored == "bao nhiêu phần trăm doanh nghiệp"


def test_accented_query_is_left_alone():
    analysis = QueryAnalyzer(DiacriticModel.build(CORPUS_LINES)).analyze("sản phẩm chủ lực")
    assert analysis.restored is None and analysis.for_dense == "sản phẩm chủ lực"


def test_english_query_is_detected_and_its_domain_terms_translated():
    analysis = QueryAnalyzer(DiacriticModel.build(CORPUS_LINES)).analyze("What share of key products in Quang Tri get intellectual property protection?")
    assert analysis.language == "en"
    assert "sản phẩm chủ lực" in analysis.for_lexical and "sở hữu trí tuệ" in analysis.for_lexical
    assert "Quang Tri" in analysis.for_lexical


def test_translate_terms_prefers_longest_phrase():
    assert translate_terms("department of science and technology") == "sở khoa học và công nghệ"
    assert translate_terms("weather tomorrow") is None


def test_highlights_exact_for_accented_words_and_folded_for_plain_ones():
    passage = "Đăng ký bảo hộ quyền sở hữu trí tuệ; hỗ trợ số hóa."
    marked = [passage[s:e] for s, e in highlight_spans("bảo hộ sở hữu trí tuệ", passage)]
    assert marked == ["bảo hộ", "sở hữu trí tuệ"]
    marked = [passage[s:e] for s, e in highlight_spans("so huu tri tue", passage)]
    assert marked[0] == "sở hữu trí tuệ"  # plain words match any accents ('số' too)
    assert highlight_spans("và của các", passage) == []
