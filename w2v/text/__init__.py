"""Text to token ids: sources, the tokenizer, the token cache, phrases."""
