"""The rules for an organisation's own words, without a request (competency.accounts.organisation_settings)."""
from __future__ import annotations

import pytest

from competency.accounts.organisation_settings import (
    LocalWords, SettingsInvalid, check_local_words, clean_list, fingerprint,
)


def test_the_fingerprint_changes_with_every_word_and_only_then():
    base = LocalWords("patient", None, ("Physiotherapist",), ("Band 5",))
    changed = [LocalWords("client", None, ("Physiotherapist",), ("Band 5",)),
               LocalWords("patient", "the patients", ("Physiotherapist",), ("Band 5",)),
               LocalWords("patient", None, ("Physiotherapist", "OT"), ("Band 5",)),
               LocalWords("patient", None, ("Physiotherapist",), ("Band 6",)),
               LocalWords("patient", None, (), ("Physiotherapist", "Band 5"))]
    assert fingerprint(base) == fingerprint(LocalWords("patient", None, ("Physiotherapist",), ("Band 5",)))
    assert len({fingerprint(base), *map(fingerprint, changed)}) == 1 + len(changed)


def test_lists_drop_blank_lines_tidy_spaces_and_name_the_repeats():
    kept, problems, notes = clean_list(" Band 5 \n\n  \nband   5\nBand\t6\nBAND 6", "grades")
    assert kept == ("Band 5", "Band 6") and problems == []
    assert notes == ["2 repeated grades or bands left out: ‘band 5’, ‘BAND 6’."]


def test_a_list_may_be_given_as_lines_or_as_a_list():
    assert clean_list(["OT", "", "ot", "Physio"], "role_titles")[0] == ("OT", "Physio")


def test_every_problem_is_reported_at_once_by_field():
    with pytest.raises(SettingsInvalid) as refused:
        check_local_words(people_served="", people_served_plural="p" * 61, role_titles="T" * 101,
                          grades="\n".join(f"Band {n}" for n in range(61)))
    assert refused.value.problems == {
        "people_served": ["Enter the word for the people your organisation serves"],
        "people_served_plural": ["The plural must be 60 characters or fewer"],
        "role_titles": ["The role title on line 1 must be 100 characters or fewer"],
        "grades": ["Enter 60 grades or bands or fewer (you entered 61)"],
    }
    assert refused.value.message == "Enter the word for the people your organisation serves"


def test_a_good_proposal_is_tidied():
    words, notes = check_local_words(people_served="  service   user ", people_served_plural="",
                                     role_titles="OT\nOT", grades="")
    assert words == LocalWords("service user", None, ("OT",), ())
    assert notes == ["1 repeated role title left out: ‘OT’."]
