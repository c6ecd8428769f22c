"""Real test documents made on the fly: PDFs with fpdf2 (DejaVu font), DOCX with python-docx."""
from __future__ import annotations

from pathlib import Path

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def make_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    pdf.output(str(path))
    return path


def make_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))
    return path


PDF_PAGES = [
    "Số: 15/KH-UBND\n\nBắc Ninh, ngày 03 tháng 5 năm 2024\n\nKẾ HOẠCH\n\nPhát triển khoa học và công nghệ\n\n"
    "Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:\n\nI. MỤC TIÊU\n\n"
    "1. Mục tiêu cụ thể\n\nĐến năm 2030, phấn đấu 85% doanh nghiệp ứng dụng công nghệ số.",
    "II. NHIỆM VỤ\n\n1. Sở Khoa học và Công nghệ\n\nChủ trì xây dựng sàn giao dịch công nghệ của tỉnh, "
    "hỗ trợ đăng ký nhãn hiệu tập thể cho nông sản đặc trưng.",
    "III. KINH PHÍ\n\nNgân sách tỉnh bố trí hằng năm cho quỹ phát triển khoa học và công nghệ.",
]
