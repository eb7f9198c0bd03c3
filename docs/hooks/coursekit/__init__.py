"""The course site's machinery: reading pages, running their code once, notebooks."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository: every path read is relative to it
LANGUAGES = ("ru", "en")  # the site's languages, the first at the root; defined here only
CODE_LANGUAGE = "en"  # the language programs print and draw in; figures are translated from it
DECIMAL_COMMA = ("ru",)  # languages that write 0,5 for 0.5: their figures get a decimal comma
