"""The Vietnamese text toolkit and the highlights built on it."""
from service.highlight import highlight_spans
from indexer.vntext import is_stopword, sentence_spans, syllable_forms


def marked(query: str, passage: str) -> list[str]:
    return [passage[s:e] for s, e in highlight_spans(query, passage)]


def test_i_y_spellings_highlight_as_one_word():
    assert marked("tỷ lệ doanh nghiệp", "Nâng tỉ lệ doanh nghiệp đổi mới sáng tạo") == ["tỉ lệ doanh nghiệp"]


def test_a_multi_syllable_word_is_one_highlight():
    assert marked("sản phẩm chủ lực", "Các sản phẩm chủ lực của tỉnh") == ["sản phẩm chủ lực"]


def test_unaccented_query_matches_accents_but_not_function_words():
    passage = "Số nhãn hiệu tập thể được bảo hộ đạt 10 nhãn hiệu; Sở Khoa học và Công nghệ chủ trì"
    assert marked("so nhan hieu tap the duoc bao ho", passage) == [
        "Số nhãn hiệu tập thể", "bảo hộ", "nhãn hiệu", "Sở"]  # "được" is a function word


def test_accented_stopword_is_exact_not_folded():
    assert is_stopword("của") and not is_stopword("cửa") and is_stopword("cua")


def test_syllable_forms_unify_tone_placement_and_i_y():
    assert syllable_forms("hoà") == syllable_forms("hòa") == ("hòa", "hoa")
    assert syllable_forms("kỹ")[0] == syllable_forms("kĩ")[0]


def test_sentences_keep_numbers_whole():
    text = "- Đạt 3.000 sản phẩm; tỷ lệ 0,05% vào năm 2025. Hoàn thành trước 2030!"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Đạt 3.000 sản phẩm;", "tỷ lệ 0,05% vào năm 2025.", "Hoàn thành trước 2030!"]
