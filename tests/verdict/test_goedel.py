"""98 real LLM-written Mathlib proofs: each must pass with Lean's messages where Lean put them."""

from __future__ import annotations

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
