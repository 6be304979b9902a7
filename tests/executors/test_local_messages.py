"""What the local executor's parent and workers say: named kinds, plain on the wire."""

from __future__ import annotations

import pickle

import pytest

from leancli.executors.local.messages import (
    Cancel,
    Cancelled,
    Done,
    Error,
    Message,
    Ready,
    Recycle,
    ReplStarted,
    RunTasks,
    Stop,
    UnknownMessage,
    decode,
    encode,
)

EVERY_KIND: list[Message] = [
    RunTasks([(1, "", "example : True := trivial", 0, 0, "")]),
    Cancel([1, 2]),
    Recycle(),
    Stop(),
    Ready(),
    ReplStarted(1234),
    Cancelled([2]),
    Done(1, ("pass", 0.1, [], [], None, None, False), frozenset({"import Mathlib"})),
    Error(1, "ValueError: bad (at worker.py:10)", "Traceback (most recent call last): ..."),
]


@pytest.mark.parametrize("message", EVERY_KIND, ids=lambda m: type(m).__name__)
def test_each_kind_travels_as_plain_values_and_comes_back_as_itself(message: Message) -> None:
    plain = encode(message)
    assert type(plain) is tuple and type(plain[0]) is str
    # No leancli class in the pickle: each would cost a module lookup per message.
    assert b"leancli" not in pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)
    back = decode(pickle.loads(pickle.dumps(plain)))
    assert type(back) is type(message) and back == message


def test_the_kinds_have_distinct_tags() -> None:
    assert len({encode(message)[0] for message in EVERY_KIND}) == len(EVERY_KIND)


@pytest.mark.parametrize(
    "plain", [("shout", 1), (), "done", ("done", 1), ("stop", "extra")], ids=repr
)
def test_an_unknown_or_malformed_message_raises(plain: object) -> None:
    with pytest.raises(UnknownMessage):
        decode(plain)  # type: ignore[arg-type]
