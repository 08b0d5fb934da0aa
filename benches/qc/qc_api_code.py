"""Apply prepared qc codes files through qc's own Python API, in one process.

Run with the virtual environment's Python, from inside a qc project:

    VENV/bin/python qc_api_code.py CODES_DIR

CODES_DIR holds one folder per coder; in it, one file per corpus document,
named like the document (`g0001.txt`), in the format of the codes file that
`qc code` opens in the editor: one line per line of the document, with the
codes of that line separated by commas. This script does what `qc code`
does once the editor closes (`QCCorpusViewer.parse_codes`, then
`QCCorpus.update_coded_lines`), for every file, in one process and one
session, so the difference with the CLI loop is qc's start-up per document.
"""

import sys
from pathlib import Path

from qualitative_coding.corpus import QCCorpus
from qualitative_coding.views.viewer import QCCorpusViewer


def main():
    codes_dir = Path(sys.argv[1])
    corpus = QCCorpus("settings.yaml")
    viewer = QCCorpusViewer(corpus)
    n = 0
    with corpus.session():
        for coder_dir in sorted(p for p in codes_dir.iterdir() if p.is_dir()):
            coder = coder_dir.name
            for codes_file in sorted(coder_dir.iterdir()):
                doc = codes_file.name
                length = len((corpus.corpus_dir / doc).read_text().splitlines())
                lines = viewer.parse_codes(coder, codes_file.read_text(), length)
                corpus.update_coded_lines(doc, coder, lines)
                n += len(lines)
    print(f"{n} coded lines saved")


if __name__ == "__main__":
    main()
