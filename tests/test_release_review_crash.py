"""A review edit killed at any point leaves nothing in the blob store that no row names: the
vault's ``verify`` finds no problem after a kill before, between and after the edit's puts and
its commit, and the job can still be edited after. A kill runs no Python at all; a
``BaseException`` that no handler of the edit catches stands for it. An ordinary error deletes
what the edit stored, and its row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from onrecord.database.release import ReleaseEdit
from onrecord.release import review
from onrecord.release.service import Releases
from onrecord.vault.verify import verify_vault
from review_support import in_review


class Killed(BaseException):
    """The process dying at this point."""


@pytest.fixture
def case(tmp_path: Path) -> Iterator[tuple[Releases, str, int, Path]]:
    releases, rid, job_id, _ = in_review(tmp_path)
    yield releases, rid, job_id, tmp_path
    releases.vault.engine.dispose()


def _edits(releases: Releases) -> int:
    with releases.vault.readers() as s:
        return s.scalar(select(func.count()).select_from(ReleaseEdit)) or 0


def _kill_after(calls: int) -> Any:
    """A stand-in that lets ``calls`` calls of the wrapped function through, then kills."""

    def wrap(real: Any) -> Any:
        seen = [0]

        def call(*args: Any, **kwargs: Any) -> Any:
            seen[0] += 1
            if seen[0] > calls:
                raise Killed
            return real(*args, **kwargs)

        return call

    return wrap


POINTS = {
    "after naming the outputs": ("_storing", 1),
    "between the two puts": ("put", 1),
    "before the commit": ("_commit", 0),
    "after the commit": ("discard", 0),
    "before forgetting the edit": ("_forget", 0),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_a_kill_at_any_point_leaves_nothing_unexplained(
    case: tuple[Releases, str, int, Path], point: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    releases, rid, job_id, tmp_path = case
    name, calls = POINTS[point]
    kill = _kill_after(calls)
    if name == "put":
        store = releases.vault.store
        monkeypatch.setattr(store, "put", kill(store.put))
    elif name == "discard":
        monkeypatch.setattr(releases, "discard_outputs", kill(releases.discard_outputs))
    elif name == "_storing":
        real = review._storing

        def named_then_killed(*args: Any) -> int:
            real(*args)
            raise Killed

        monkeypatch.setattr(review, "_storing", named_then_killed)
    else:
        monkeypatch.setattr(review, name, kill(getattr(review, name)))
    [before] = releases.jobs(rid)
    with pytest.raises(Killed):
        review.decide_track(releases, rid, job_id, 1, False, actor="rita")
    monkeypatch.undo()
    assert _edits(releases) == 1  # the edit cut short is still named
    assert verify_vault(releases.vault.engine, releases.vault.store, tmp_path / "keys") == []
    [after] = releases.jobs(rid)
    committed = name in ("discard", "_forget")
    assert (after.output_sha256 != before.output_sha256) is committed
    # The job's next edit sweeps the row and the bytes only it named: the store holds the
    # source and the job's outputs, nothing else; verify finds nothing.
    source = review.under_review(releases, rid, job_id).source_sha256
    review.decide_track(releases, rid, job_id, 1, committed, actor="rita")
    assert _edits(releases) == 0
    [last] = releases.jobs(rid)
    stored = set(releases.vault.store.hashes())
    assert stored == {source, last.output_sha256, last.record_sha256}
    assert verify_vault(releases.vault.engine, releases.vault.store, tmp_path / "keys") == []


def test_an_error_deletes_what_the_edit_stored(
    case: tuple[Releases, str, int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    releases, rid, job_id, tmp_path = case
    store = releases.vault.store
    before = set(store.hashes())
    real = store.put
    puts = [0]

    def second_fails(chunks: Any) -> Any:
        puts[0] += 1
        if puts[0] == 2:
            raise OSError("disk full")
        return real(chunks)

    monkeypatch.setattr(store, "put", second_fails)
    with pytest.raises(OSError, match="disk full"):
        review.decide_track(releases, rid, job_id, 1, False, actor="rita")
    assert set(store.hashes()) == before and _edits(releases) == 0
    assert verify_vault(releases.vault.engine, store, tmp_path / "keys") == []
