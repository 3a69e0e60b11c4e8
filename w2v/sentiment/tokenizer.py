"""Sentence text -> the tokens word vectors know: `Tokenizer` (whitespace tokens, optional
lowercase, optional splitting at every character outside [a-z0-9] as in the normalized training
corpora)."""

import re


class Tokenizer:
    """Sentence text -> tokens, matching how the word vectors were trained.

    lowercase: lowercase the text first.
    alnum: split at every run of characters outside [a-z0-9] ([A-Za-z0-9] if not lowercase),
        which is how the normalized training corpora (e.g. mix17m) were made; PTB-split
        clitics ("does n't", "film 's") are first glued back to their word ("doesn't") so they
        split as the running text of the corpus did ("doesn t").
    """

    _CLITIC = re.compile(r" (?=(?:n't|'s|'re|'ve|'ll|'d|'m)(?: |$))", re.IGNORECASE)

    def __init__(self, *, lowercase=True, alnum=False):
        self.lowercase = lowercase
        self.alnum = alnum
        self._non_word = re.compile(r"[^a-z0-9]+" if lowercase else r"[^A-Za-z0-9]+")

    def __call__(self, sentence):
        if self.lowercase:
            sentence = sentence.lower()
        if not self.alnum:
            return sentence.split()
        sentence = self._CLITIC.sub("", sentence)
        return self._non_word.sub(" ", sentence).split()

    def __repr__(self):
        return f"Tokenizer(lowercase={self.lowercase}, alnum={self.alnum})"

    @classmethod
    def for_vocabulary(cls, words, *, lowercase=None, alnum=None):
        """A tokenizer matching a vocabulary: options left as None are inferred from `words`.

        lowercase when no word has an uppercase letter; alnum when every word is made only of
        [a-z0-9] (or [A-Za-z0-9]) characters, i.e. the training text was normalized that way.
        """
        if lowercase is None:
            lowercase = not any(word != word.lower() for word in words)
        if alnum is None:
            pattern = re.compile(r"[a-z0-9]+" if lowercase else r"[A-Za-z0-9]+")
            alnum = len(words) > 0 and all(pattern.fullmatch(word) for word in words)
        return cls(lowercase=lowercase, alnum=alnum)
