"""`wenji query`'s terminal table: columns line up by display width (a CJK character takes two cells)."""

from __future__ import annotations

from rich.cells import cell_len

from wenji.flows.cli import MAX_CELL_WIDTH, query_table

ROWS = [
    ("关于开展2024年度安全生产大检查的通知", "http://www.gov.cn/zhengce/content/2024-03/01/content_1.htm", 3),
    ("Report", "http://www.example.cn/en/", 12),
    ("市卫健委", None, 250),
]


def _column_starts(line: str, values: list[str]) -> list[int]:
    """The display column at which each value starts in `line`."""
    starts, at = [], 0
    for value in values:
        at = line.index(value, at)
        starts.append(cell_len(line[:at]))
        at += len(value)
    return starts


def test_cjk_and_ascii_rows_line_up() -> None:
    lines = query_table(["标题", "url", "篇数"], ROWS, width=160).splitlines()
    first = _column_starts(lines[2], ["关于开展", "http://www.gov.cn", "3"])
    second = _column_starts(lines[3], ["Report", "http://www.example.cn", "12"])
    assert first[:2] == second[:2]  # text columns start at the same display column
    assert cell_len(lines[2].split("http")[0]) == cell_len(lines[3].split("http")[0])
    assert lines[-1] == "(3 rows)"


def test_a_long_cell_is_cut_with_an_ellipsis_at_the_cell_limit() -> None:
    text = "各级党委和政府要切实把思想和行动统一到中央决策部署上来" * 5
    line = query_table(["正文"], [(text,)], width=200).splitlines()[2]
    assert line.endswith("…") and cell_len(line) <= MAX_CELL_WIDTH
    assert line.startswith("各级党委和政府要切实")


def test_a_narrow_terminal_folds_cells_instead_of_dropping_text() -> None:
    text = "脱贫攻坚战取得全面胜利" * 2  # 22 characters, 44 cells: under the cell limit
    out = query_table(["标题", "正文"], [("通知", text)], width=30)
    body = "".join(line.removeprefix("通知").strip() for line in out.splitlines()[2:-1])  # 正文's lines
    assert body == text
    assert len(out.splitlines()) > 4  # folded onto more lines
    assert all(cell_len(line) <= 30 for line in out.splitlines())
