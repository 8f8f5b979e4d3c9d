"""Exemplars and the schools working on the same thing, computed the fast way,
give exactly what their first definitions gave: on the hand-built district of
tests/test_exemplars.py and on generated demo districts, for every school and
standard.

The references below are the first definitions: every school looked at one by
one, its open goals found by filtering all of them and its rating looked up in
the ratings frame, for the schools working on the same thing; and every finding
of the exemplars' reviews summarised before the standard's were kept, for the
line on the evidence behind a rating."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import assert_same_answer
from test_exemplars import exemplar_district, open_district

from sqr_tracker import evidence, exemplars
from sqr_tracker.demo import build_demo_file
from sqr_tracker.frames import text_lists
from sqr_tracker.store import Store

TODAY = date(2026, 12, 3)


def reference_working_on_the_same(store, user, school_id, standard_id):
    exemplars.authorize(store, user, exemplars.Action.READ_SCHOOL, school_id=school_id)
    standard = exemplars._standard(store, standard_id)
    schools = exemplars._with_distance(store.schools(), school_id)
    labels = exemplars._labels(store)
    middle = max(labels) / 2 if labels else 0
    ratings = store.last_two_consensus(standard_id).set_index("school_id")
    found = store.findings_on(ratings["review_id"].astype(int).tolist(), standard_id)
    growth = dict(zip(found["review_id"], found["areas_for_growth"], strict=True))
    areas = {
        school: [s for s in exemplars.statements(growth.get(review, "")) if s]
        for school, review in ratings["review_id"].items()
    }
    own = {exemplars._key(s) for s in areas.get(school_id, [])}
    goals = store.open_goals_on(standard_id)
    rows = []
    for peer in schools.index:
        if peer == school_id:
            continue
        row = reference_shared(
            peer, goals[goals["school_id"] == peer], ratings, areas, own, middle
        )
        if row is not None:
            rows.append(row)
    if not rows:
        return exemplars.SameWork(
            pd.DataFrame(columns=exemplars._SAME_COLUMNS),
            f"No other school has an open goal on {standard['code']} or named it "
            "an area for growth in its latest review.",
        )
    table = pd.DataFrame(rows).join(schools.drop(columns="principal"), on="school_id")
    table = table.sort_values(
        ["shared_count", "has_goal", "other_level", "distance", "name"],
        ascending=[False, False, True, True, True],
        kind="stable",
    )
    contacts = store.principal_contacts(table["school_id"].tolist())
    table = table.merge(contacts, on="school_id", how="left")
    table["rating"] = table["rating"].map(labels)
    table = table.rename(columns={"name": "school"})
    for column in ("goals", "shared"):  # the lists as the package holds them
        table[column] = text_lists(table[column].tolist(), table.index)
    return exemplars.SameWork(table[exemplars._SAME_COLUMNS].reset_index(drop=True))


def reference_shared(peer, goals, ratings, areas, own, middle) -> dict | None:
    reasons = []
    shared = [s for s in areas.get(peer, []) if exemplars._key(s) in own]
    rating = ratings["rating"].get(peer)
    struggling = (
        rating is not None
        and not pd.isna(rating)
        and rating <= middle
        and bool(areas.get(peer))
    )
    if goals.empty and not struggling:
        return None
    if shared:
        reasons.append(
            f"shares {exemplars._count(len(shared), 'area')} for growth with you"
        )
    if not goals.empty:
        reasons.append(
            f"has {exemplars._count(len(goals), 'open goal')} on this standard"
        )
    if struggling:
        reasons.append("its latest review named it an area for growth")
    return {
        "school_id": peer,
        "rating": rating,
        "reasons": "; ".join(reasons),
        "goals": goals["statement"].tolist(),
        "shared": shared,
        "shared_count": len(shared),
        "has_goal": not goals.empty,
    }


def reference_rating_lines(store, review_ids, standard_id):
    found = evidence.findings_evidence(store, review_ids)
    found = found[found["standard_id"] == standard_id]
    lines = {
        int(row.review_id): f"Evidence behind this rating: {row.strength} "
        f"({evidence.kinds_sentence(row.sources)})"
        for row in found.itertuples()
    }
    none = "Evidence behind this rating: none recorded"
    return {int(review): lines.get(int(review), none) for review in review_ids}


def assert_as_before(store: Store, user, schools, monkeypatch) -> int:
    """Every school and standard as the references give them; returns how
    many rows the tables held together."""
    held = 0
    for school in schools:
        for standard in exemplars.standard_choices(store, user):
            mine = exemplars.working_on_the_same(store, user, school, standard)
            theirs = reference_working_on_the_same(store, user, school, standard)
            assert_same_answer(mine, theirs)
            found = exemplars.find_exemplars(store, user, school, standard, TODAY)
            with monkeypatch.context() as patch:
                patch.setattr(evidence, "rating_lines", reference_rating_lines)
                expected = exemplars.find_exemplars(
                    store, user, school, standard, TODAY
                )
            assert_same_answer(found, expected)
            held += len(mine.table) + len(found.table)
    return held


def test_the_hand_built_district_gives_the_same_answers(tmp_path, monkeypatch):
    store = open_district(tmp_path / "exemplars.duckdb", exemplar_district())
    try:
        office = store.user_by_email("office@x.sqr")
        schools = store.schools()["id"].astype(int).tolist()
        assert assert_as_before(store, office, schools, monkeypatch) > 10
    finally:
        store.close()


@pytest.mark.parametrize(("schools", "seed"), [(30, 2), (60, 7)])
def test_generated_districts_give_the_same_answers(
    tmp_path, monkeypatch, schools, seed
):
    path = tmp_path / "demo.duckdb"
    build_demo_file(path, schools=schools, seed=seed, today=TODAY)
    store = Store.open(path)
    try:
        office = store.user_by_email("central.office@demo.sqr")
        chosen = store.schools()["id"].astype(int).tolist()[::7]
        assert assert_as_before(store, office, chosen, monkeypatch) > 50
    finally:
        store.close()
