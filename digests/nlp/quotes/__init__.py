"""Direct quotes and their speakers: spans by quotation marks, speakers chosen by a trained ranker."""

from digests.nlp.quotes.rules import extract_quotes, is_key_quote

__all__ = ["extract_quotes", "is_key_quote"]
