"""Pictures of the terminal at 80 columns for README.md and docs/terminal.md.

Renders the sample dossier's Kudoyarov timeline and the custody chart with Rich's
own SVG export, then has headless Chromium turn each SVG into a PNG:

    .venv/bin/python scripts/terminal_pictures.py   # writes docs/terminal-*.png
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from dossier import Dossier
from dossier import chart as ch
from dossier import timeline as tl
from dossier.render.analysis import timeline_view
from dossier.render.chart import ChartView

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2026, 1, 1)


def main() -> int:
    browser = shutil.which("chromium")
    if browser is None:
        print("Chromium is needed to turn the SVG into PNG (apt-get install chromium)")
        return 1
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        db = folder / "d.json"
        files = [str(ROOT / "data" / n) for n in ("cases.csv", "persons.csv", "events.csv")]
        subprocess.run([sys.executable, "-m", "dossier", "--db", str(db), "import", *files],
                       check=True, capture_output=True)  # fmt: skip
        d = Dossier.load(db)
        views = {
            "timeline": timeline_view(tl.build(d, case="kudoyarov", as_of=AS_OF), d.names()),
            "chart": ChartView(ch.build(list(d.events.raw.values()), d.names(), AS_OF)),
        }
        for name, view in views.items():
            console = Console(record=True, width=80, force_terminal=True, color_system="truecolor",
                              file=io.StringIO())  # fmt: skip
            console.print(view)
            svg = folder / f"{name}.svg"
            svg.write_text(console.export_svg(title=f"dossier {name}"), encoding="utf-8")
            size = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text())
            assert size is not None
            width, height = (int(float(v)) + 1 for v in size.groups())
            png = ROOT / "docs" / f"terminal-{name}.png"
            subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--disable-background-networking", "--no-first-run",
                 f"--user-data-dir={folder / 'profile'}", f"--window-size={width},{height}",
                 f"--screenshot={png}", svg.as_uri()],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            print(f"wrote {png.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
