"""History pages (service.list_generations) keyed by (created_at, id): rows written in the same instant are neither
repeated nor skipped across pages, and the page query uses the (org_id, created_at, id) index."""

from __future__ import annotations

from sqlalchemy import event

from resonance.core.db import get_engine
from resonance.generations import service
from resonance.orgs.scope import tenant_session
from tests.factories import make_generation, make_org, make_voice


def test_rows_of_the_same_instant_page_by_id_without_gaps_or_repeats(db, clock):
    org = make_org()
    voice = make_voice(org)
    made = {make_generation(org, voice).id for _ in range(7)}  # the clock is frozen: one created_at for all
    with tenant_session(org.id) as session:
        first = service.list_generations(session=session, limit=3)
        second = service.list_generations(session=session, before=first[-1], limit=3)
        third = service.list_generations(session=session, before=second[-1], limit=3)
    ids = [g.id for g in first + second + third]
    assert len({g.created_at for g in first + second + third}) == 1
    assert ids == sorted(made, reverse=True)


def test_the_page_after_a_cursor_seeks_the_history_index(db):
    org = make_org()
    generation = make_generation(org, make_voice(org))
    statements = []
    engine = get_engine()
    capture = lambda _c, _cur, statement, parameters, _ctx, _many: statements.append((statement, parameters))  # noqa: E731
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with tenant_session(org.id) as session:
            service.list_generations(session=session, before=generation)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in statements if "ORDER BY" in s)
    statement = statement[statement.index("SELECT generations."):] if db == "postgres" else statement
    with engine.connect() as conn:
        if db == "postgres":
            conn.exec_driver_sql("SET enable_seqscan = off")  # a handful of rows: make the planner show its index use
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
        else:
            plan = "\n".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    # The index seeks to the cursor (org_id and the (created_at, id) bound in the index condition) and yields rows
    # in page order: no sort, and no walk through every newer row of the organization.
    seek = ("(org_id=? AND (created_at,id)<(?,?))" if db == "sqlite"
            else "Index Cond: (((org_id)::text = ")
    assert "ix_generations_org_created" in plan and seek in plan
    assert db == "sqlite" or "ROW(created_at, (id)::text) < ROW(" in plan.split("Index Cond:")[1]
    assert "TEMP B-TREE" not in plan and " Sort " not in plan
