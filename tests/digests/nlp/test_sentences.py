"""Sentence splitting on invented news-style text."""

from __future__ import annotations

from digests.nlp.sentences import dateline_end, sentences, split_sentences


def test_spans_index_into_the_original_text() -> None:
    text = "  The council met on Tuesday.  It voted 7-2.\n\nA new paragraph starts here."
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "The council met on Tuesday.",
        "It voted 7-2.",
        "A new paragraph starts here.",
    ]


def test_titles_months_and_initials_do_not_end_sentences() -> None:
    text = (
        "Mr. Halvorsen met Dr. Quill on Jan. 12 in St. Ives. "
        "Author J. R. Penhallow and Sen. Mara T. Okafor attended. The talks ended early."
    )
    assert sentences(text) == [
        "Mr. Halvorsen met Dr. Quill on Jan. 12 in St. Ives.",
        "Author J. R. Penhallow and Sen. Mara T. Okafor attended.",
        "The talks ended early.",
    ]


def test_dotted_acronyms_end_a_sentence_only_before_an_opener() -> None:
    text = "The U.S. Treasury sold bonds worth 4.5 billion. Prices rose in the U.S. The dollar fell at 3 p.m. Friday."
    assert sentences(text) == [
        "The U.S. Treasury sold bonds worth 4.5 billion.",
        "Prices rose in the U.S.",
        "The dollar fell at 3 p.m. Friday.",
    ]


def test_decimals_and_company_suffixes() -> None:
    text = "Shares of Brindle Corp. rose 2.75 percent. Analysts at Fenwick Co. were surprised."
    assert sentences(text) == ["Shares of Brindle Corp. rose 2.75 percent.", "Analysts at Fenwick Co. were surprised."]


def test_a_sentence_can_end_inside_closing_quotes() -> None:
    text = 'She said, "We will rebuild the bridge." The mayor agreed. He added: “It will take a year.” Work starts soon.'
    assert sentences(text) == [
        'She said, "We will rebuild the bridge."',
        "The mayor agreed.",
        "He added: “It will take a year.”",
        "Work starts soon.",
    ]


def test_question_in_quotes_followed_by_attribution_stays_whole() -> None:
    text = '"Where is the ferry?" asked a tourist. Nobody knew.'
    assert sentences(text) == ['"Where is the ferry?" asked a tourist.', "Nobody knew."]


def test_datelines_are_left_out_of_the_first_sentence() -> None:
    ap = "MILLBROOK, Ore. (AP) — A small dam failed overnight. Residents left early."
    assert sentences(ap) == ["A small dam failed overnight.", "Residents left early."]
    cnn = "(CNN)A rare orchid bloomed in the city park. Crowds came to see it."
    assert sentences(cnn)[0] == "A rare orchid bloomed in the city park."
    caps = "LISBON — Trams stopped for an hour. Service resumed at noon."
    assert sentences(caps)[0] == "Trams stopped for an hour."
    assert dateline_end("No dateline here (really) at all.") == 0


def test_paragraphs_and_headings_split_on_newlines() -> None:
    text = "Harbour reopens\nThe harbour reopened on Monday.\nFishing boats returned at dawn."
    assert sentences(text) == ["Harbour reopens", "The harbour reopened on Monday.", "Fishing boats returned at dawn."]


def test_hard_wrapped_lines_are_joined() -> None:
    text = "The committee published a long report on the state of the regional railways\nand its costs. It was read widely."
    got = sentences(text)
    assert len(got) == 2
    assert got[0].endswith("and its costs.")


def test_page_furniture_ends_its_own_sentence() -> None:
    text = "A heron nested on the roof. Scroll down for video The bird returned every spring."
    assert sentences(text) == ["A heron nested on the roof.", "Scroll down for video", "The bird returned every spring."]


def test_ellipsis_and_exclamation() -> None:
    assert sentences("It worked! Then it stopped... Nobody knows why.") == [
        "It worked!",
        "Then it stopped...",
        "Nobody knows why.",
    ]


def test_empty_and_whitespace_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


def test_caption_glued_to_the_next_sentence_is_split_off() -> None:
    text = (
        "Striker Tomas Vidal salutes the home fans at Kelbourne Park on Saturday The forward scored twice "
        "as his side climbed to third. Coach Rina Oduya watches from the touchline (left) Her side have won four in a row."
    )
    assert sentences(text) == [
        "Striker Tomas Vidal salutes the home fans at Kelbourne Park on Saturday",
        "The forward scored twice as his side climbed to third.",
        "Coach Rina Oduya watches from the touchline (left)",
        "Her side have won four in a row.",
    ]


def test_titles_and_names_after_a_verb_or_preposition_are_not_split() -> None:
    for text in (
        "The mayor told The Kelbourne Herald that the bridge would reopen in May.",
        "Her favourite record is still the folk singer's The Winters They Are Long from the seventies.",
        "Volunteers have been backing The Evening Star campaign for safer crossings all year.",
        "A type A personality thrives on deadlines and lists, the study of office workers found.",
        "Fans packed the hall as the band played It Was Always You for the last time.",
    ):
        assert sentences(text) == [text]


def test_a_full_stop_that_ends_a_product_name_is_not_a_sentence_end() -> None:
    text = ("Norvik Motors will sell the KV. Arrow van in Ferrow from May. The KV. range now has four models, "
            "and the KV. Arrow is the largest. Sales start in the EU. Britain follows in June.")
    assert sentences(text) == [
        "Norvik Motors will sell the KV. Arrow van in Ferrow from May.",
        "The KV. range now has four models, and the KV. Arrow is the largest.",
        "Sales start in the EU.",
        "Britain follows in June.",
    ]
    # Without a sign in the text that the stop belongs to a name, a capitalised acronym still ends a sentence.
    assert sentences("He moved to the US. Then he came back.") == ["He moved to the US.", "Then he came back."]


def test_the_id_dot_of_a_product_line_stays_inside_its_sentence() -> None:
    text = "Carmakers showed the ID. Cruiser at the Ferrow fair. The ID. models sold well in the spring."
    assert sentences(text) == ["Carmakers showed the ID. Cruiser at the Ferrow fair.",
                               "The ID. models sold well in the spring."]
