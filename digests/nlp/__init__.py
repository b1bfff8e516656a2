"""Text analysis: sentences, quotes and speakers, temporal expressions, events, summaries."""
