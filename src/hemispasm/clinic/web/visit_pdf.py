"""The visit summary as a PDF, drawn by fpdf2 (pure Python: no service, no system library).

The face map is the page's own SVG, given the colours the site's stylesheet gives it as an
embedded stylesheet of single-class rules (the kind fpdf2's SVG reader applies). Text is set in
DejaVu Sans, the font matplotlib ships, so that any name prints, not only Latin-1 ones. The words
are the page's, in the request's language (``gettext`` as the PDF is drawn), and dates follow
the pages' rule (``format_day``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace
from markupsafe import Markup

from hemispasm.clinic.services.visit_summary import VisitSummary
from hemispasm.clinic.web.i18n import N_, format_day, gettext, ngettext

FONT = "dejavu"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
ACCENT = "#1f4e9c"  # the site's --accent
MAP_WIDTH_MM = 78.0
MAP_VIEWBOX = (440.0, 620.0)
CYCLES_SHOWN = 12
"""The newest cycles the PDF lists (a long history would fill pages; the page lists them all)."""
ESTIMATE_NOTE = N_(
    "Video measures are estimates made by software from a short recording. They support the "
    "clinician's judgement; they do not replace an examination."
)

# The face map's look in print, as flat single-class rules (fpdf2 reads no descendant selectors).
MAP_STYLE = f"""
.fm-side-label {{ font-family: {FONT}; font-size: 15px; font-weight: bold; fill: #1a1a1a; }}
.fm-affected-label {{ font-family: {FONT}; font-size: 13px; fill: #7a4a00; }}
.fm-outline {{ fill: #fcfcfd; stroke: #3a3a3a; stroke-width: 2; }}
.fm-line {{ fill: none; stroke: #3a3a3a; stroke-width: 2; }}
.fm-neck {{ fill: none; stroke: #3a3a3a; stroke-width: 2; }}
.fm-ear {{ fill: none; stroke: #3a3a3a; stroke-width: 2; }}
.fm-hair {{ fill: none; stroke: #9aa0a8; stroke-width: 1.5; }}
.fm-lip {{ fill: #f3f5f8; stroke: #3a3a3a; stroke-width: 2; }}
.fm-iris {{ fill: none; stroke: #5a5a5a; stroke-width: 1.5; }}
.fm-midline {{ stroke: #8a9099; stroke-width: 1; }}
.fm-target-marked {{ fill: {ACCENT}; stroke: #1a1a1a; stroke-width: 2.5; }}
.fm-target-idle {{ fill: #c9ced6; }}
.fm-abbr-marked {{ font-family: {FONT}; font-size: 8.5px; font-weight: bold; fill: #ffffff; }}
.fm-units {{ font-family: {FONT}; font-size: 16px; font-weight: bold; fill: #1a1a1a; }}
"""
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_NOT_DRAWN = re.compile(r"<(title|desc)\b[^>]*>.*?</\1>|<defs>.*?</defs>", re.DOTALL)


def map_svg(figure: Markup) -> bytes:
    """The face map's SVG out of the page's figure, styled for fpdf2."""
    match = _SVG.search(str(figure))
    if match is None:
        raise ValueError("the face map figure holds no <svg> element")
    svg = _NOT_DRAWN.sub("", match.group(0))
    svg = svg.replace('fill="url(#facemap-hatch)"', 'fill="#fbeed3"')
    # In the read-only map a marked site's circle has radius 11, an idle one radius 5.
    svg = svg.replace(
        '<circle class="fm-target" r="11"/>', '<circle class="fm-target-marked" r="11"/>'
    )
    svg = svg.replace('<circle class="fm-target" r="5"/>', '<circle class="fm-target-idle" r="5"/>')
    svg = svg.replace('class="fm-abbr"', 'class="fm-abbr-marked"')
    svg = svg.replace('class="fm-line fm-hair"', 'class="fm-hair"')
    svg = svg.replace('class="fm-line fm-brow"', 'class="fm-line"')
    svg = svg.replace('class="fm-line fm-lip"', 'class="fm-lip"')
    width, height = MAP_VIEWBOX
    svg = svg.replace("<svg ", f'<svg width="{width:g}" height="{height:g}" ', 1)
    return svg.replace(">", f"><style>{MAP_STYLE}</style>", 1).encode()


def _units(value: float) -> str:
    return f"{value:g} U"


def _day(value: date | None) -> str:
    return format_day(value) if value else "-"


class _SummaryPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.page_words = gettext("page %(page)s of %(pages)s")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=16)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.add_font(FONT, "I", FONT_DIR / "DejaVuSans-Oblique.ttf")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(90)
        page = self.page_words % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(0, 5, f"{self.footer_text} · {page}", align="C")
        self.set_text_color(0)

    def heading(self, text: str) -> None:
        if self.will_page_break(18):
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 9.5)

    def line_text(self, text: str, *, size: float = 9.5, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")

    def grid(
        self,
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float],
        numeric: Sequence[int] = (),
        bold_last: bool = False,
    ) -> None:
        self.set_font(FONT, "", 9)
        heading = FontFace(emphasis="BOLD", fill_color="#eef1f5")
        with self.table(
            col_widths=tuple(widths),
            width=sum(widths),
            align="LEFT",
            text_align="LEFT",
            headings_style=heading,
            line_height=5,
            padding=(0.8, 1.5),
            borders_layout="HORIZONTAL_LINES",
        ) as table:
            for i, values in enumerate(rows):
                row = table.row()
                bold = bold_last and i == len(rows) - 1
                for j, value in enumerate(values):
                    style = FontFace(emphasis="BOLD") if bold else None
                    row.cell(value, align="RIGHT" if j in numeric else "LEFT", style=style)


def summary_pdf(
    summary: VisitSummary, words: dict[str, Any], maps: Sequence[tuple[str, Markup]]
) -> bytes:
    """The PDF of the visit summary: ``words`` and ``maps`` as the page shows them."""
    p = summary.patient
    footer = gettext("Visit summary of %(name)s, record number %(mrn)s")
    pdf = _SummaryPDF(footer % {"name": p.name, "mrn": p.mrn})
    pdf.add_page()
    title = f"{gettext('Visit summary')} · {_day(summary.visit_on)}"
    pdf.set_title(title)
    pdf.set_author(summary.clinic_name)
    pdf.set_creator("hemispasm")

    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    born = f" · {gettext('born %(date)s') % {'date': _day(p.birth_date)}}" if p.birth_date else ""
    pdf.line_text(f"{p.name} · {gettext('record number')} {p.mrn}{born}", size=11, style="B")
    phone = gettext("phone %(number)s") % {"number": summary.clinic_phone}
    pdf.line_text(summary.clinic_name + (f" · {phone}" if summary.clinic_phone else ""))
    per_ml = gettext("%(units)s U per 0.1 mL")
    products = "; ".join(
        f"{name}, {per_ml % {'units': f'{dilution:g}'}}"
        for name, dilution in zip(words["products"], summary.dilutions, strict=True)
    )
    pdf.line_text(f"{gettext('Product:')} {products}")
    if summary.affected_side:
        spasms_on = {
            "bilateral": N_("Spasms on both sides"),
            "left": N_("Spasms on the left side"),
            "right": N_("Spasms on the right side"),
        }
        pdf.line_text(gettext(spasms_on.get(summary.affected_side, summary.affected_side)))

    pdf.heading(gettext("Injected sites"))
    top = pdf.get_y()
    map_height = MAP_WIDTH_MM * MAP_VIEWBOX[1] / MAP_VIEWBOX[0]
    if pdf.will_page_break(map_height + 8):
        pdf.add_page()
        top = pdf.get_y()
    for n, (product, figure) in enumerate(maps):
        x = pdf.l_margin + n * (MAP_WIDTH_MM + 6)
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 9)
        facing = gettext("Front view: the patient faces you")
        pdf.cell(MAP_WIDTH_MM, 5, product if len(maps) > 1 else facing)
        pdf.image(io.BytesIO(map_svg(figure)), x=x, y=top + 6, w=MAP_WIDTH_MM)
    below_maps = top + 6 + map_height + 2
    pdf.set_font(FONT, "", 8)
    pdf.set_xy(pdf.l_margin, below_maps)
    pdf.multi_cell(
        MAP_WIDTH_MM * min(len(maps), 2) + (6 if len(maps) > 1 else 0),
        4,
        gettext(
            "Front view: the patient's right side is on your left. Units at each injected site."
        ),
    )
    after_maps = pdf.get_y()

    beside = len(maps) == 1
    if beside:  # the tables to the right of the single map
        left = pdf.l_margin + MAP_WIDTH_MM + 8
        pdf.set_left_margin(left)
        pdf.set_xy(left, top)
    else:  # below the maps
        pdf.set_xy(pdf.l_margin, after_maps + 3)
    width = pdf.w - pdf.r_margin - pdf.l_margin
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, gettext("Totals per product and side"), new_x="LMARGIN", new_y="NEXT")
    total_rows = [(gettext("Product"), gettext("Right"), gettext("Left"), gettext("Total"))] + [
        (t["product"], _units(t["right"]), _units(t["left"]), _units(t["total"]))
        for t in words["totals"]
    ]
    pdf.grid(
        total_rows, widths=(width * 0.4, width * 0.2, width * 0.2, width * 0.2), numeric=(1, 2, 3)
    )
    pdf.ln(3)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 6, gettext("Sites"), new_x="LMARGIN", new_y="NEXT")
    sides = {"Right": gettext("Right"), "Left": gettext("Left")}
    if beside:
        site_rows = [(gettext("Muscle"), gettext("Side"), gettext("Units"))] + [
            (s["muscle"], sides.get(s["side"], s["side"]), _units(s["units"]))
            for s in words["sites"]
        ]
        site_widths: tuple[float, ...] = (width * 0.6, width * 0.18, width * 0.22)
    else:
        site_rows = [(gettext("Muscle"), gettext("Side"), gettext("Product"), gettext("Units"))] + [
            (s["muscle"], sides.get(s["side"], s["side"]), s["product"], _units(s["units"]))
            for s in words["sites"]
        ]
        site_widths = (width * 0.45, width * 0.12, width * 0.3, width * 0.13)
    pdf.grid(site_rows, widths=site_widths, numeric=(len(site_rows[0]) - 1,))
    if beside:
        pdf.set_left_margin(15)
        pdf.set_x(15)
    pdf.set_y(max(pdf.get_y(), after_maps) + 2)

    pdf.heading(gettext("Next injection"))
    sched = summary.schedule
    if sched.next_due_on is None:
        pdf.line_text(
            gettext("No next injection is due (none recorded, or stopped after surgery).")
        )
    else:
        due = f"{gettext('Due on')} {_day(sched.next_due_on)}"
        if sched.earliest_allowed_on and sched.earliest_allowed_on < sched.next_due_on:
            due += gettext(", not before %(date)s") % {"date": _day(sched.earliest_allowed_on)}
        pdf.line_text(f"{due}.")

    pdf.heading(gettext("Cycle history (newest first)"))
    cycles = words["cycles"]
    this_visit = gettext("(this visit)")
    cycle_rows = [
        (
            gettext("Injected"),
            gettext("Product"),
            gettext("Right"),
            gettext("Left"),
            gettext("Total"),
            gettext("Effect lasted"),
        )
    ] + [
        (
            _day(c["injected_on"]) + (f" {this_visit}" if c["this_visit"] else ""),
            c["product"],
            _units(c["right"]),
            _units(c["left"]),
            _units(c["total"]),
            ngettext("%(num)d day", "%(num)d days", c["effect_days"]) % {"num": c["effect_days"]}
            if c["effect_days"] is not None
            else "\u2013",
        )
        for c in cycles[:CYCLES_SHOWN]
    ]
    pdf.grid(cycle_rows, widths=(44, 52, 20, 20, 20, 24), numeric=(2, 3, 4))
    more = (
        " "
        + gettext("The newest %(shown)s of %(count)s sessions; the patient's page shows all.")
        % {"shown": CYCLES_SHOWN, "count": len(cycles)}
        if len(cycles) > CYCLES_SHOWN
        else ""
    )
    pdf.ln(1)
    pdf.line_text(
        gettext(
            "Effect lasted: from the start of the effect (or the injection) to its wearing off; "
            "\u2013 where that was not recorded."
        )
        + more,
        size=8.5,
    )

    if pdf.will_page_break(60):  # the measures and their note stay on one page
        pdf.add_page()
    pdf.heading(f"{gettext('Latest video measures')} ({gettext('estimates')})")
    video = summary.video
    if video is None:
        pdf.line_text(gettext("No video analysed yet."))
    else:
        seen_side = (video.affected_side or "not determined").capitalize()
        estimate = [
            (gettext("Recorded"), _day(video.recorded_on)),
            (gettext("Spasms per minute (estimate)"), f"{video.spasms_per_min:.1f}"),
            (
                gettext("Time the affected eye was mostly closed by spasms (estimate)"),
                f"{video.pct_time_affected_eye_half_closed:.0f} %",
            ),
            (gettext("Affected side seen on video"), gettext(seen_side)),
        ]
        if video.jankovic_total_estimate is not None:
            jankovic = str(video.jankovic_total_estimate)
            estimate.append((gettext("Jankovic total (estimate)"), jankovic))
        if video.smc_grade_estimate is not None:
            estimate.append((gettext("SMC grade (estimate)"), str(video.smc_grade_estimate)))
        grid = [(gettext("Measure"), gettext("Value")), *estimate]
        pdf.grid(grid, widths=(110, 40), numeric=(1,))
        pdf.ln(1)
        pdf.line_text(gettext(ESTIMATE_NOTE), size=8.5, style="I")
    return bytes(pdf.output())
