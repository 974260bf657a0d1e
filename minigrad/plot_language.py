"""The language of the lessons' figure labels: English, or Chinese with ``--lang zh``.

The lessons write their labels in English; with :func:`set_language` ("zh") every text
of a figure is translated when :func:`minigrad.plot.save` writes it (the table is
:mod:`minigrad.labels_zh`), and matplotlib draws with a font that has Chinese glyphs
(symbols it lacks, such as ˣ, come from DejaVu Sans through matplotlib's fallback)::

    set_language("zh")                 # raises if no Chinese font is installed
    translate("training loss, mean of 3 seeds")   # '训练损失, 3 个种子的平均'
"""
from __future__ import annotations

import os
import re
from typing import Any

from . import labels_zh

LANGUAGES = ("en", "zh")
# Fonts with Chinese glyphs, in order of preference, and the file names they install as.
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC",
             "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")
_CJK_FILE_HINTS = ("wqy", "notosanscjk", "sourcehansans", "simhei", "msyh", "pingfang")
FONT_HELP = ("install one, e.g. `apt install fonts-wqy-microhei` (Debian/Ubuntu) or "
             "`apt install fonts-noto-cjk`")

_language = "en"


def language() -> str:
    """The current label language, "en" or "zh"."""
    return _language


def set_language(name: str) -> None:
    """Draw the following figures' labels in ``name`` ("en" or "zh").

    "zh" needs matplotlib and a font with Chinese glyphs (one of :data:`CJK_FONTS`);
    without one it raises a RuntimeError that says what to install."""
    global _language
    if name not in LANGUAGES:
        raise ValueError(f"unknown label language {name!r}; choose one of {LANGUAGES}")
    if name == "zh":
        find_cjk_font()
    _language = name


def find_cjk_font() -> str:
    """The name of an installed font with Chinese glyphs. Fonts installed after
    matplotlib built its font cache are looked up among the system's font files."""
    from matplotlib import font_manager  # matplotlib is optional: imported where used
    for attempt in range(2):
        installed = {font.name for font in font_manager.fontManager.ttflist}
        for name in CJK_FONTS:
            if name in installed:
                return name
        if attempt == 0:
            for path in font_manager.findSystemFonts():
                if any(hint in os.path.basename(path).lower() for hint in _CJK_FILE_HINTS):
                    font_manager.fontManager.addfont(path)
    raise RuntimeError(f"--lang zh needs a font with Chinese glyphs; none of {', '.join(CJK_FONTS)} "
                       f"is installed: {FONT_HELP}")


def font_style() -> dict[str, Any]:
    """matplotlib rcParams for the current language: for "zh" the Chinese font first
    (and an ASCII minus sign, which Chinese fonts may lack); matplotlib's defaults for "en"."""
    import matplotlib  # matplotlib is optional: imported where used
    default = matplotlib.rcParamsDefault
    if _language == "zh":   # named families: matplotlib falls back glyph by glyph along them
        return {"font.family": [find_cjk_font(), "DejaVu Sans"], "axes.unicode_minus": False}
    return {"font.family": default["font.family"],
            "axes.unicode_minus": default["axes.unicode_minus"]}


def _phrase_pattern() -> re.Pattern[str]:
    """One regular expression matching any phrase of the table as whole words, longest first."""
    phrases = sorted(labels_zh.PHRASES, key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z])(" + "|".join(map(re.escape, phrases)) + r")(?![A-Za-z])")


_PHRASES = _phrase_pattern()


def translate(text: str) -> str:
    """``text`` in the current language (unchanged in English), line by line: a whole
    line from ``EXACT``; otherwise its numbered pieces (``PATTERNS``), then its phrases
    (``PHRASES``) are replaced; words not in the table stay English."""
    if _language == "en" or text.startswith("$"):      # "$...$": a mathtext tick label
        return text
    return "\n".join(_translate_line(line) for line in text.split("\n"))


def _translate_line(line: str) -> str:
    if line in labels_zh.EXACT:
        return labels_zh.EXACT[line]
    for pattern, replacement in labels_zh.PATTERNS:
        line = re.sub(pattern, replacement, line)
    return _PHRASES.sub(lambda match: labels_zh.PHRASES[match.group(1)], line)


def translate_figure(fig: Any) -> None:
    """Translate every text of ``fig`` in place: titles, axis labels, legends, annotations,
    and tick labels given as words (``set_yticks(range(5), names)``)."""
    if _language == "en":
        return
    from matplotlib.text import Text  # matplotlib is optional: imported where used
    fig.canvas.draw()                  # tick labels exist only once the figure is drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [label.get_text() for label in axis.get_ticklabels()]
            translated = [translate(label) for label in labels]
            if translated != labels:   # words, not numbers: fix them to the drawn ticks
                axis.set_ticks(axis.get_ticklocs(), translated)
    families = font_style()["font.family"]       # also for figures made before set_language
    for artist in fig.findobj(Text):
        artist.set_text(translate(artist.get_text()))
        artist.set_fontfamily(families)
