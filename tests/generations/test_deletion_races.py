"""A generation deleted from history while it is being spoken: whenever the deletion lands (between chunks, while a
chunk or the whole audio is stored, as the job marks it done), nothing of it stays in storage and nothing is billed:
usage is recorded only with a finished result. The job runs in a thread of its own, held at a known point while the
test deletes. On SQLite and PostgreSQL, local storage, the stand-in engine."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from resonance.billing.models import UsageRecord
from resonance.core.db import get_engine
from resonance.generations import files, jobs
from resonance.generations.models import Generation
from resonance.generations.service import delete_generation
from resonance.orgs.scope import tenant_session
from resonance.storage.cleanup import remove_files
from tests.factories import all_rows, get, make_org, make_user, signed_in
from tests.fakes import ToneEngine
from tests.generations.test_jobs import bill_from_now_on, queue
from tests.races import Gate, hold_put, in_thread, stored


class HeldEngine(ToneEngine):
    """Holds at `gate` before it speaks the chunk numbered `at` (None: never)."""

    def __init__(self, gate: Gate, at: int | None) -> None:
        super().__init__()
        self.gate, self.at = gate, at

    def synthesize(self, text, voice, params=None):
        for chunk in super().synthesize(text, voice, params):
            if chunk.index == self.at:
                self.gate.hold()
            yield chunk


@pytest.fixture
def principal(db):
    admin = make_user(name="Ada Admin")
    return signed_in(admin, make_org(admin=admin, name="Acme"))[0]


def delete(principal, generation_id: str) -> None:
    """What the history page and DELETE /v1/history/{id} do: the row in a transaction, the files after it."""
    with tenant_session(principal.org_id) as session:
        doomed = delete_generation(session=session, actor=principal, generation_id=generation_id)
    remove_files(doomed)


def hold_before_marked_done(request, gate: Gate) -> None:
    """Hold the job's thread at the statement that marks its row done, before the database runs it."""
    def before(_conn, _cursor, statement, parameters, _context, _many):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        if statement.lstrip().upper().startswith("UPDATE GENERATIONS") and "done" in values:
            gate.hold()

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", before)
    request.addfinalizer(lambda: event.remove(engine, "before_cursor_execute", before))


POINTS = ["between chunks", "while a chunk is stored", "while the whole audio is stored",
          "as the job marks it done"]


@pytest.mark.parametrize("point", POINTS)
def test_a_generation_deleted_while_spoken_leaves_no_file_and_bills_nothing(principal, monkeypatch, configure,
                                                                            request, point):
    gate = Gate()
    engine = HeldEngine(gate, at=1 if point == "between chunks" else None)
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    generation_id = queue(principal, engine)
    if point == "while a chunk is stored":
        hold_put(monkeypatch, gate, lambda key: key.endswith(".chunks/0001.wav"))
    elif point == "while the whole audio is stored":
        hold_put(monkeypatch, gate, lambda key: key == files.audio_key(principal.org_id, generation_id))
    elif point == "as the job marks it done":
        hold_before_marked_done(request, gate)
    bill_from_now_on(configure)
    assert jobs.GENERATION_JOBS.claim_next() == generation_id
    join = in_thread(lambda: jobs.run_generation(generation_id))
    gate.arrived(join)

    # The deletion waits for nothing the held job holds (its own thread, so a lock would show as a timeout).
    deleting = in_thread(lambda: delete(principal, generation_id))
    deleting()
    gate.release()
    join()

    assert get(Generation, generation_id) is None
    assert stored(principal.org_id) == []
    assert all_rows(UsageRecord) == []


def test_a_generation_finished_before_its_deletion_was_billed_and_leaves_no_file(principal, monkeypatch,
                                                                                  configure):
    """The documented order: a result finished first is billed (it was spoken), then deleted with its files."""
    engine = ToneEngine()
    monkeypatch.setattr(jobs, "get_engine", lambda: engine)
    generation_id = queue(principal, engine)
    bill_from_now_on(configure)
    assert jobs.GENERATION_JOBS.claim_next() == generation_id
    jobs.run_generation(generation_id)
    assert get(Generation, generation_id).status == "done" and stored(principal.org_id)
    delete(principal, generation_id)
    assert stored(principal.org_id) == []
    assert [r.source_id for r in all_rows(UsageRecord)] == [generation_id]


