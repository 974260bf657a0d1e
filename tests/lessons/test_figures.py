"""Every lesson's figures are slide-ready: saved at 150 dpi, no text under 10 pt, and with
``--lang zh`` every label translated (no English words left but the names Chinese slides
keep). Each lesson runs in quick mode and every figure it saves is inspected."""
import importlib
import re

import pytest

from minigrad import plot, plot_language

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.text import Text  # noqa: E402

from examples.notebooks.generate import lesson_names  # noqa: E402

LESSONS = lesson_names()

# Lower-case words that Chinese lecture slides keep in English.
KEPT_ENGLISH = {"tanh", "sigmoid", "relu", "dropout", "std", "grad", "cnn", "mlp", "autograd",
                "gradcheck", "px", "top"}


def untranslated_words(text: str) -> set[str]:
    """English words left in ``text``: lower-case words of 3+ letters outside code names
    (tokens with a digit, a dot or an underscore: conv1, model.10, 0.weight, y_l) and
    outside :data:`KEPT_ENGLISH`. Capitalised words are names (ReLU, Kaiming, AlexNet)."""
    if text.startswith("$"):                           # mathtext tick labels
        return set()
    words = set()
    for token in text.split():
        if not re.search(r"[\d._]", token):
            words |= set(re.findall(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])", token))
    return words - KEPT_ENGLISH


def saved_figures(monkeypatch, module):
    """Record every figure the lesson saves, after saving (tick labels drawn)."""
    figures = []
    original = plot.save

    def recording_save(fig, path):
        original(fig, path)
        figures.append(fig)

    monkeypatch.setattr(plot, "save", recording_save)
    if hasattr(module, "save"):                        # lessons that imported save itself
        monkeypatch.setattr(module, "save", recording_save)
    return figures


def visible_texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


try:
    plot_language.find_cjk_font()
    NO_CHINESE_FONT = ""
except RuntimeError as error:
    NO_CHINESE_FONT = str(error)


@pytest.mark.skipif(bool(NO_CHINESE_FONT), reason=NO_CHINESE_FONT)
@pytest.mark.parametrize("name", LESSONS)
def test_every_figure_is_in_chinese_with_lang_zh_and_has_no_text_under_10pt(
        name, tmp_path, monkeypatch):
    module = importlib.import_module(f"examples.{name}")
    figures = saved_figures(monkeypatch, module)
    try:
        module.main(["--quick", "--lang", "zh", "--out", str(tmp_path)])
    finally:
        plot_language.set_language("en")
    for fig in figures:
        texts = visible_texts(fig)
        left = {t.get_text(): untranslated_words(t.get_text()) for t in texts}
        assert not {k: v for k, v in left.items() if v}, f"{name}: untranslated labels"
        small = {t.get_text(): t.get_fontsize() for t in texts if t.get_fontsize() < 10}
        assert not small, f"{name}: text under 10 pt"
    assert all(png.stat().st_size for png in tmp_path.rglob("*.png"))


def test_translation_keeps_numbers_and_names_and_translates_the_words():
    if NO_CHINESE_FONT:
        pytest.skip(NO_CHINESE_FONT)
    plot_language.set_language("zh")
    try:
        assert plot_language.translate("training loss, mean of 3 seeds") == "训练损失, 3 个种子的平均"
        assert plot_language.translate("no BN, Kaiming init, lr 0.3") == "无 BN, Kaiming 初始化, 学习率 0.3"
        assert plot_language.translate("plain-56") == "普通-56"
        assert plot_language.translate("$\\mathdefault{10^{-2}}$") == "$\\mathdefault{10^{-2}}$"
        assert plot_language.translate("lrn") == "lrn"             # whole words only, not 'lr'
    finally:
        plot_language.set_language("en")
    assert plot_language.translate("training loss") == "training loss"


def test_without_a_chinese_font_lang_zh_says_what_to_install(monkeypatch):
    from matplotlib import font_manager
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(RuntimeError, match="fonts-wqy-microhei"):
        plot_language.set_language("zh")
    assert plot_language.language() == "en"
    with pytest.raises(ValueError, match="'fr'"):
        plot_language.set_language("fr")


def test_untranslated_words_ignores_code_names_and_kept_terms():
    assert untranslated_words("conv4 (model.10): 0.weight y_l ReLU tanh") == set()
    assert untranslated_words("训练损失, mean of seeds") == {"mean", "seeds"}
