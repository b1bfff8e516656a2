"""Boilerplate line rules: each named rule cuts a line written for it, and keeps article sentences near it."""

from __future__ import annotations

import pytest

from digests.ingest._clean import LINE_RULES, boilerplate_rule, clean_text

# One invented line per rule, as pages print them around a story.
CUT = [
    ("paywall", "You have reached your free article limit. Subscribe to keep reading."),
    ("paywall", "Already a subscriber? Log in to continue"),
    ("paywall", "Our reporters cover every council meeting in Ferrow, and your subscription keeps them there: "
                "choose a plan that suits you today"),
    ("newsletter", "Get the Ferrow Gazette morning newsletter delivered to your inbox"),
    ("newsletter", "Would you like to stay informed about our work? Sign up here"),
    ("donation", "Please donate to keep our reporting free for everyone"),
    ("donation", "We rely on your help to keep the tide tables online, every donation counts"),
    ("byline", "Posted: 3 March 2026 by Jo Pellam"),
    ("byline", "By Ada Quist and Ben Morrow"),
    ("teaser", "Related: Tram depot to close for a month of repairs"),
    ("teaser", "You may also like"),
    ("copyright", "© 2026 Ferrow Media Group. All rights reserved."),
    ("contact", "Submit your letter to the editor through our online form."),
    ("contact", "Email: newsroom@ferrow.example"),
    ("contact", "Have a view on the tram extension? Write to us and your letter may appear in Saturday's edition "
                "of letters to the editor"),
    ("credit", "(Credit: Jo Pellam / Ferrow Gazette)"),
    ("credit", "Photo: the tram depot at dawn"),
    ("share", "Share on Facebook"),
    ("taxonomy", "Tags: harbour, council, ferry services"),
    ("taxonomy", "Category : Community notices"),
    ("taxonomy", "News date : 03/14/2027 Category : Harbour notices"),
    ("promo", "When you join the Ferrow Gazette family, you become part of a newsroom that has covered the harbour, "
              "the ferries and the council for forty years, and your membership pays for the reporting that keeps "
              "them honest."),
    ("promo", "Join now or renew to get:"),
    ("promo", "Join the conversation"),
    ("app", "Download our free app and never miss a tide table"),
    ("app", "For breaking harbour news all day, download the Ferrow Gazette app for your phone"),
]

KEPT = [
    "The council said the newsletter sent to residents in May had contained an error about bin collection days.",
    "By Wednesday the river had fallen below the flood mark, and the ferry service resumed at noon.",
    "Subscribers to the water company's green tariff will pay four pounds more a month from April, the "
    "regulator said on Tuesday after a review of the company's accounts.",
    "Copyright lawyers for the two studios met in Ferrow on Friday to discuss a settlement over the film.",
    "Posters went up across the old docks overnight.",
    "The lifeboat station received a donation of forty thousand pounds from a fishing family last year.",
    "The ferry operator said fewer passengers would download the timetable app once paper copies returned.",
    "Categories of spending agreed by the council included roads, the library and two new play areas.",
    "\"If you subscribe to the bus pass you save forty pounds a year,\" the mayor told the council on Monday.",
    "Residents can join the new library membership scheme from Monday, the council said.",
    "Members of the rowing club voted to join the regional league, giving them access to its boathouse.",
    "You might say the members of the harbour board were surprised by the size of the vote.",
]


@pytest.mark.parametrize(("rule", "line"), CUT)
def test_each_rule_cuts_its_line(rule: str, line: str) -> None:
    assert boilerplate_rule(line) == rule


@pytest.mark.parametrize("line", KEPT)
def test_article_sentences_are_kept(line: str) -> None:
    assert boilerplate_rule(line) is None


def test_every_rule_has_a_test_line() -> None:
    assert {r.name for r in LINE_RULES} - {"furniture"} == {rule for rule, _ in CUT}


def test_clean_text_drops_rule_lines_and_a_glued_byline() -> None:
    text = "\n".join(["By Ada Quist: The ferry returned to service on Monday after a month of repairs.",
                      "Sign up for our newsletter", KEPT[1], "© 2026 Ferrow Media Group"])
    out = clean_text(text)
    assert out.split("\n\n") == ["The ferry returned to service on Monday after a month of repairs.", KEPT[1]]


def test_a_glued_byline_is_cut_but_a_sentence_opening_with_by_is_kept() -> None:
    assert clean_text("Posted by Ada Quist | The ferry is back.") == "The ferry is back."
    line = "by the way: The ferry timetable changes on Monday, the operator said."
    assert clean_text(line) == line


def test_a_membership_pitch_is_dropped_with_its_list_of_perks_and_the_article_goes_on() -> None:
    text = "\n".join([
        "The harbour ferry will run an extra crossing on Saturdays from May, the operator said.",
        "When you join the Ferrow Gazette family, you'll get unlimited digital access to reporting you won't find "
        "anywhere else.",
        "Join now or renew to get:",
        "— Instant access to our special reports",
        "— Membership perks and invitations to readers' evenings",
        "First-time subscribers also receive a tide table printed by a local press! Do it for the harbour.",
        "Residents can join the new library membership scheme from Monday, the council said.",
    ])
    assert clean_text(text).split("\n\n") == [
        "The harbour ferry will run an extra crossing on Saturdays from May, the operator said.",
        "Residents can join the new library membership scheme from Monday, the council said.",
    ]


def test_a_pitch_block_ends_at_the_first_line_of_the_article() -> None:
    text = "\n".join(["Want more recipes? Subscribe to our newsletter for the latest updates.",
                      "Harbour fish pie with a crumb top", "- Sift the flour and salt into a bowl.",
                      "- Whisk in the milk until smooth."])
    assert clean_text(text).split("\n\n") == ["Harbour fish pie with a crumb top", "- Sift the flour and salt into a bowl.",
                                               "- Whisk in the milk until smooth."]
