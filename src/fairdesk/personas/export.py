"""Persona cards as PNG (Pillow) and PDF (fpdf2), rendered on the server from ``card.view``.

Both need nothing outside Python packages: the PNG uses Pillow's built-in scalable font and
the PDF the standard Helvetica, so an export works the same on a bare server as on a desk.
Helvetica covers Latin-1 only; typographic characters outside it are mapped to plain ones
("–" to "-") and anything else to "?", rather than failing the export.
"""

from __future__ import annotations

import io
from typing import Any

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from fairdesk.personas.card import FROM_PERSON

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
WIDTH = 1200
MARGIN = 48
_PLAIN = str.maketrans({"–": "-", "—": "-", "…": "...", "‘": "'", "’": "'", "“": '"',
                        "”": '"', "≥": ">=", "≤": "<=", "€": "EUR", "→": "->", " ": " ",
                        "×": "x", "✎": "*"})


def _latin1(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _rows(card: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(kind, text, source) lines in reading order: section titles, then fields."""
    rows: list[tuple[str, str, str]] = []
    for title, fields in card["sections"]:
        rows.append(("section", title, ""))
        for f in fields:
            lines = f.lines or ["no quotes yet" if f.key == "quotes" else "unknown"]
            text = " · ".join(f"“{x}”" if f.key == "quotes" else x for x in lines)
            rows.append(("field", f"{f.label}: {text}", f.source))
    return rows


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font,
          width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    return [*lines, current] if current else lines


def card_png(card: dict[str, Any], *, segment: str) -> bytes:
    """The card as a PNG; the persona's name is also in its ``Title`` text chunk."""
    title = ImageFont.load_default(size=40)
    body = ImageFont.load_default(size=20)
    heading = ImageFont.load_default(size=26)
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    inner = WIDTH - 2 * MARGIN
    blocks: list[tuple[list[str], Font, str, int]] = [
        ([_latin1(card["name"])], title, "#111827", 52),
        (_wrap(scratch, _latin1(f"{segment} - {card['portrait']}"), body, inner), body,
         "#374151", 28),
    ]
    for kind, text, source in _rows(card):
        text = _latin1(text)
        if kind == "section":
            blocks.append(([text], heading, "#1d4ed8", 40))
            continue
        mark = "  [entered by a person]" if source == FROM_PERSON else ""
        blocks.append((_wrap(scratch, text + mark, body, inner), body,
                       "#7c2d12" if mark else "#111827", 27))
    height = MARGIN * 2 + sum(len(lines) * step for lines, _, _, step in blocks) + 20
    image = Image.new("RGB", (WIDTH, height), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 10), fill="#2457d6")
    y = MARGIN
    for lines, font, colour, step in blocks:
        for line in lines:
            draw.text((MARGIN, y), line, font=font, fill=colour)
            y += step
    info = PngInfo()
    info.add_text("Title", card["name"])
    info.add_text("Description", card["portrait"])
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def card_pdf(card: dict[str, Any], *, segment: str) -> bytes:
    """The card as a one-or-more-page A4 PDF with the name as title and first line."""
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(card["name"]))
    pdf.set_creator("fairdesk")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 22)
    pdf.cell(0, 12, _latin1(card["name"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "I", 11)
    pdf.multi_cell(0, 6, _latin1(f"{segment} - {card['portrait']}"), new_x="LMARGIN",
                   new_y="NEXT")
    for kind, text, source in _rows(card):
        if kind == "section":
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 13)
            pdf.set_text_color(29, 78, 216)
            pdf.cell(0, 8, _latin1(text), new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
            continue
        mark = " [entered by a person]" if source == FROM_PERSON else ""
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, _latin1(text + mark), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
