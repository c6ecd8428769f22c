from indexer.normalize import MappedText, fold, has_diacritics, normalize_document, normalize_vietnamese, strip_markdown


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
