"""98 real LLM-written Mathlib proofs: each must pass with Lean's messages where Lean put them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.helpers.common import read_jsonl, run_leancli, write_jsonl


def test_goedel_workbook_proofs_pass_with_messages_in_place(
    tmp_path: Path, fake_repl: str, goedel_items: list[tuple[str, dict[str, Any], dict[str, Any]]]
) -> None:
    assert len(goedel_items) == 98
    rows = [{"id": name, "code": request["cmd"]} for name, request, _ in goedel_items]
    source = write_jsonl(tmp_path / "goedel.jsonl", rows)
    output = tmp_path / "out.jsonl"
    done = run_leancli("check", str(source), "-o", str(output), "--repl", fake_repl, "-w", "2")
    assert done.returncode == 0, done.stderr.decode()
    results = {row["id"]: row for row in read_jsonl(output.read_bytes())}
    assert len(results) == 98
    for name, _, expected in goedel_items:
        result = results[name]
        assert result["status"] == "pass", name
        assert result["messages"] == expected.get("messages", []), name
        assert result["sorries"] == expected.get("sorries", []), name


def _span(code: str, entry: dict[str, Any]) -> str | None:
    """The text from `pos` to `endPos` (lines 1-based, columns 0-based in characters),
    or None when that range is not in the code."""
    lines = code.split("\n")
    first, column = int(entry["pos"]["line"]), int(entry["pos"]["column"])
    last, end_column = int(entry["endPos"]["line"]), int(entry["endPos"]["column"])
    if not 1 <= first <= last <= len(lines):
        return None
    if column > len(lines[first - 1]) or end_column > len(lines[last - 1]):
        return None
    if first == last:
        return lines[first - 1][column:end_column]
    middle = lines[first : last - 1]
    return "\n".join([lines[first - 1][column:], *middle, lines[last - 1][:end_column]])


def _names_its_text(data: str, span: str, before: str) -> bool | None:
    """Whether a message's range covers what its text names (`before`: its line up to
    the range); None for a message that names nothing."""
    first = data.split("\n")[0]
    if quoted := re.match(r"'(.*)' tactic does nothing\nnote:", data, re.DOTALL):
        return span.split() == quoted.group(1).split()
    if first.startswith("this tactic is never executed"):
        # a tactic of the proof: code, not a comment
        return re.match(r"[\w(·]", span) is not None and "--" not in before + span
    if variable := re.match(r"unused variable `([^`]*)`", first):
        return span == variable.group(1)
    if deprecated := re.match(r"`([^`]*)` has been deprecated", first):
        # written in full or after an `open` of its namespace
        return span != "" and deprecated.group(1).endswith(span.lstrip("@"))
    if first.startswith("Used `tac1 <;> tac2` where"):
        return span == "<;>"
    if first == "Try this: ring_nf":
        return span == "ring"  # `ring` failed and suggests its fallback
    return None


def test_goedel_message_positions_are_in_the_lines_of_the_whole_file(
    goedel_items: list[tuple[str, dict[str, Any], dict[str, Any]]],
) -> None:
    """A REPL sent the whole `cmd` reports positions in its lines: every recorded message
    covers the tactic or name it quotes (as recorded through kimina-lean-server, which
    strips the import header, they were 3 lines too high)."""
    checked = 0
    misplaced: list[tuple[str, Any, str, str | None]] = []
    unknown: list[tuple[str, Any]] = []
    for name, request, answer in goedel_items:
        code = request["cmd"]
        for entry in answer.get("messages", []) + answer.get("sorries", []):
            span = _span(code, entry)
            line = code.split("\n")[entry["pos"]["line"] - 1] if span is not None else ""
            before = line[: entry["pos"]["column"]]
            verdict = _names_its_text(entry.get("data", ""), span or "", before)
            if verdict is None:
                unknown.append((name, entry.get("data")))
                continue
            checked += 1
            if span is None or not verdict:
                misplaced.append((name, entry["pos"], entry.get("data", "").split("\n")[0], span))
    assert not unknown, f"a message kind with no rule here: add one {unknown[:3]}"
    assert checked == 173
    assert not misplaced, misplaced[:5]
