"""Real test documents made on the fly: PDFs with fpdf2 (DejaVu font), DOCX with python-docx."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
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


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(index: Path, log_path: Path, port: int | None = None, **env: str):
    """`vnpolicy serve` as a real uvicorn process on a free port; yields (base URL, process)."""
    root = Path(__file__).resolve().parents[1]
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--index", str(index)],
                                cwd=root, env=os.environ | {"PYTHONPATH": str(root)} | env, stdout=log, stderr=log)
        try:
            wait_ready(base, proc, log_path)
            yield base, proc
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def wait_ready(base: str, proc, log_path: Path, timeout: float = 120) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.25)
    raise RuntimeError(f"server at {base} did not become ready:\n{log_path.read_text()[-3000:]}")
