"""Direct quotes and their speakers: spans by quotation marks, speakers chosen by a trained ranker.

``spans`` finds the quotes, ``rules`` reads their attributions (speech verbs, names, pronouns, the running
speaker), ``candidates`` and ``features`` turn that into scored choices, ``model`` picks one with the weights
in ``model.json``, which ``python -m digests.nlp.quotes.train`` rebuilds from the PolNeAR training set.
"""

from digests.nlp.quotes.model import extract_quotes
from digests.nlp.quotes.rules import extract_quotes_by_rules, is_key_quote

__all__ = ["extract_quotes", "extract_quotes_by_rules", "is_key_quote"]
