"""Rendering a "scan" for the OCR tests: seed text laid out on A4 pages, rotated, blurred and
speckled like a scanner's output, saved as an image-only PDF; and small mixed PDFs."""
from __future__ import annotations

from pathlib import Path

from indexer.ingest.normalize import normalize_document

from .helpers import FONT

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "quang-tri-skhcn-kh-43-2023.md"
SERIF = str(Path(FONT).with_name("DejaVuSerif.ttf"))
SCAN_DPI = 300
SCAN_PAGES = 3
ANGLES = (0.7, -0.9, 0.5)  # degrees, one per page


def seed_paragraphs(path: Path = SEED) -> list[str]:
    """The plan's text as a reader sees it: markdown stripped, one string per paragraph."""
    text = normalize_document(path.read_text(encoding="utf-8")).text
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def layout_pages(paragraphs: list[str], dpi: int = SCAN_DPI, n_pages: int = SCAN_PAGES, pt: float = 12,
                 font_path: str = SERIF):
    """Greedy line wrapping on A4 with 3/2/2/2 cm margins → pages of (y, line) and the font."""
    from PIL import ImageFont

    width_px, height_px = round(8.27 * dpi), round(11.69 * dpi)
    font = ImageFont.truetype(font_path, round(pt * dpi / 72))
    left, margin = round(dpi * 3 / 2.54), round(dpi * 2 / 2.54)
    line_height = round(pt * dpi / 72 * 1.45)
    usable = width_px - left - margin
    pages: list[list[tuple[int, str]]] = [[]]
    y = margin
    for paragraph in paragraphs:
        lines, line = [], ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > usable:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
        for line in lines:
            if y + line_height > height_px - margin:
                if len(pages) == n_pages:
                    return pages, font, (width_px, height_px), left
                pages.append([])
                y = margin
            pages[-1].append((y, line))
            y += line_height
        y += line_height // 2
    return pages, font, (width_px, height_px), left


def scanned_images(pages, font, size, left, seed: int = 9):
    """Black text on white, rotated slightly, blurred, with sensor noise and speckle."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    images = []
    for number, page in enumerate(pages):
        image = Image.new("L", size, 255)
        draw = ImageDraw.Draw(image)
        for y, line in page:
            draw.text((left, y), line, font=font, fill=0)
        image = image.rotate(ANGLES[number % len(ANGLES)], resample=Image.BICUBIC, fillcolor=255)
        image = image.filter(ImageFilter.GaussianBlur(0.6))
        pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 15, (size[1], size[0]))
        speckle = rng.random(pixels.shape)
        pixels[speckle < 0.0015] = 0
        pixels[speckle > 0.9985] = 255
        images.append(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))
    return images


def save_image_pdf(path: Path, images, dpi: int = SCAN_DPI) -> Path:
    """An image-only PDF (no text layer), one JPEG-compressed page image per page."""
    images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi, quality=85)
    return path


def small_scan(text_lines: list[str], dpi: int = 200):
    """A short A5 page image with a few lines of text (cheap to OCR)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (round(5.83 * dpi), round(8.27 * dpi)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(SERIF, round(12 * dpi / 72))
    for i, line in enumerate(text_lines):
        draw.text((round(dpi * 0.8), round(dpi * 0.8) + i * round(18 * dpi / 72)), line, font=font, fill=0)
    return image.rotate(0.6, resample=Image.BICUBIC, fillcolor=255)


def make_mixed_pdf(path: Path, text_page: str, image) -> Path:
    """Page 1 with a real text layer (fpdf2), page 2 only an image."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, text_page)
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=pdf.w)
    pdf.output(str(path))
    return path


def page_texts(loaded) -> list[str]:
    starts = loaded.page_starts + [len(loaded.text) + 2]
    return [loaded.text[s: e - 2] for s, e in zip(starts, starts[1:])]
