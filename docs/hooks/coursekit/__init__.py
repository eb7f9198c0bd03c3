"""The course site's machinery: reading pages, running their code once, notebooks."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
"""The repository: every path the machinery reads is relative to it."""

LANGUAGES = ("ru", "en")
"""The site's languages, the first one at the site root; defined here and nowhere else."""

CODE_LANGUAGE = "en"
"""The language programs print and draw in; figures are translated from it."""

DECIMAL_COMMA = ("ru",)
"""Languages that write 0,5 for 0.5: their figures get a decimal comma."""
