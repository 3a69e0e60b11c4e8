"""A synthetic English-like corpus with planted structure, for offline first runs and tests.

Sentences are built from a small grammar whose nouns or adjectives come from one "topic" (animals,
fruits, colours, ...) and whose other words are function and filler words drawn from Zipf-like
distributions shared by every topic. Words of a topic therefore share their contexts, and word2vec
trained on this text puts them next to each other: `planted_groups()` is the truth to check against.

A second, analogy-shaped structure: twelve (country, capital, language) triples. A country appears
with nation words (government, border, ...), a capital with city words (streets, mayor, ...), and
both with their language but never with each other, so their vectors differ by one shared "city
minus nation" offset: paris - france + germany ~ berlin (`planted_analogies()`).

Only `Generator.random()` (uniform doubles) is drawn from the random stream, and every choice is a
bisection into cumulative weights, so the text depends on the seed alone, not on numpy's sampling
algorithms. The default corpus is `default_corpus_path()`: the repository's
`corpora/default.txt.gz` when present, otherwise generated once into the user's cache folder.
"""

import bisect
import gzip
import hashlib
import io
import itertools
import os
from pathlib import Path

import numpy as np

from .files import atomic_write
from .errors import check

DEFAULT_SEED = 2013
DEFAULT_N_SENTENCES = 100_000
# Bump when the generated text changes, so cached copies from older versions are not reused.
GENERATOR_VERSION = 1

TOPICS = {
    "animals": "dog cat horse cow sheep goat pig rabbit mouse donkey",
    "fruits": "apple banana cherry grape lemon mango peach pear plum melon",
    "vegetables": "carrot potato onion cabbage lettuce spinach tomato cucumber celery broccoli",
    "vehicles": "car bus truck train bicycle tractor van taxi motorcycle scooter",
    "instruments": "piano guitar violin drum flute trumpet cello harp clarinet saxophone",
    "furniture": "chair table sofa bed desk shelf wardrobe cupboard stool bench",
    "clothes": "shirt jacket coat dress skirt sweater scarf hat boot trousers",
    "tools": "hammer wrench screwdriver drill chisel pliers shovel axe rake ladder",
    "sports": "football tennis golf cricket hockey rugby baseball basketball volleyball badminton",
    "drinks": "coffee tea milk juice water wine beer lemonade cocoa soda",
    "professions": "doctor teacher farmer lawyer nurse pilot baker engineer plumber carpenter",
    "body": "arm leg hand foot knee elbow shoulder finger ankle wrist",
    "weather": "rain snow wind fog storm hail thunder sunshine frost drizzle",
    "kitchen": "knife fork spoon plate bowl cup pan kettle oven jug",
    "colours": "red blue green yellow purple pink brown black white grey",
}
# Topics whose words fill the adjective slot; the others fill the noun slots.
ADJECTIVE_TOPICS = ("colours",)

GEOGRAPHY = [  # (country, capital, language)
    ("france", "paris", "french"),
    ("germany", "berlin", "german"),
    ("italy", "rome", "italian"),
    ("spain", "madrid", "spanish"),
    ("japan", "tokyo", "japanese"),
    ("russia", "moscow", "russian"),
    ("china", "beijing", "chinese"),
    ("greece", "athens", "greek"),
    ("portugal", "lisbon", "portuguese"),
    ("poland", "warsaw", "polish"),
    ("sweden", "stockholm", "swedish"),
    ("norway", "oslo", "norwegian"),
]

# Shared filler vocabulary, most frequent first within each list (the order sets the Zipf rank).
DETERMINERS = "the a this that every some my our his her their one another each no".split()
FILLER_NOUNS = (
    "man woman friend child family house thing place day time people home town room story "
    "morning evening week year group neighbour brother sister village garden picture book"
).split()
FILLER_ADJECTIVES = (
    "good new old big small little great nice large young long fine strange quiet heavy "
    "cheap clean simple famous lovely"
).split()
VERBS = (
    "saw liked found wanted had took gave showed bought kept moved chose needed used "
    "watched carried noticed described remembered cleaned sold borrowed painted"
).split()
PREPOSITIONS = "with near for behind beside under after before without like from inside".split()
CONJUNCTIONS = "and but while because so then although when".split()
ADVERBS = "really often never always quickly slowly also still just almost".split()
SUBJECTS = "i we they you she he everyone nobody".split()
NATION_WORDS = (
    "government president parliament army economy border election flag minister constitution"
).split()
CITY_WORDS = "streets mayor museum station downtown harbour cathedral square traffic tram".split()


def planted_groups():
    """The planted word groups: {group name: words}. Words of a group should be neighbours."""
    groups = {name: words.split() for name, words in TOPICS.items()}
    groups["countries"] = [country for country, _, _ in GEOGRAPHY]
    groups["capitals"] = [capital for _, capital, _ in GEOGRAPHY]
    groups["languages"] = [language for _, _, language in GEOGRAPHY]
    return groups


def planted_analogies():
    """Analogy questions (a, b, c, d) meaning a:b :: c:d, from the country -> capital pairs."""
    pairs = [(country, capital) for country, capital, _ in GEOGRAPHY]
    return [(a, b, c, d) for (a, b), (c, d) in itertools.permutations(pairs, 2)]


def group_precision(neighbours, k=5):
    """{group: mean over its words of the share of their k nearest neighbours in the same group}.

    `neighbours(word, k)` returns the k nearest words to `word` (itself excluded), best first, and
    None for a word that is not in the vocabulary (counted as precision 0).
    """
    scores = {}
    for name, words in planted_groups().items():
        members = set(words)
        shares = []
        for word in words:
            found = neighbours(word, k)
            shares.append(0.0 if found is None else sum(w in members for w in found[:k]) / k)
        scores[name] = sum(shares) / len(shares)
    return scores


def generate_corpus(n_sentences=DEFAULT_N_SENTENCES, seed=DEFAULT_SEED):
    """Yield `n_sentences` lines of lowercase space-separated words (no newline), deterministically.

    The same (n_sentences, seed) always gives the same text; the first k lines do not depend on
    n_sentences.
    """
    check(isinstance(n_sentences, (int, np.integer)) and n_sentences >= 0,
          f"n_sentences must be an integer >= 0, got {n_sentences!r}")
    check(isinstance(seed, (int, np.integer)), f"seed must be an integer, got {seed!r}")
    writer = _SentenceWriter(_Uniforms(np.random.default_rng(seed)))
    for _ in range(n_sentences):
        yield " ".join(writer.sentence())


def corpus_text(n_sentences=DEFAULT_N_SENTENCES, seed=DEFAULT_SEED):
    """The whole generated corpus as one string, one sentence per line (newline-terminated)."""
    return "".join(line + "\n" for line in generate_corpus(n_sentences, seed))


def text_md5(n_sentences=DEFAULT_N_SENTENCES, seed=DEFAULT_SEED):
    return hashlib.md5(corpus_text(n_sentences, seed).encode("ascii")).hexdigest()


def write_default_corpus(path, n_sentences=DEFAULT_N_SENTENCES, seed=DEFAULT_SEED):
    """Write the corpus to `path` atomically: gzip (level 9, no timestamp) if it ends in .gz."""
    data = corpus_text(n_sentences, seed).encode("ascii")
    if os.fspath(path).endswith(".gz"):
        data = gzip_bytes(data)
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return Path(path)


def gzip_bytes(data):
    """gzip `data` reproducibly: level 9, no file name and a zero timestamp in the header."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buffer.getvalue()


def repository_corpus_path():
    """`corpora/default.txt.gz` of the source checkout (exists for editable installs only)."""
    return Path(__file__).resolve().parent.parent / "corpora" / "default.txt.gz"


def cache_dir():
    """The user cache folder for w2v: $XDG_CACHE_HOME/w2v, else ~/.cache/w2v."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "w2v"


def default_corpus_path():
    """Path of the default corpus, generating it into the cache folder on first use if needed."""
    shipped = repository_corpus_path()
    if shipped.is_file():
        return shipped
    cached = cache_dir() / f"default-v{GENERATOR_VERSION}.txt.gz"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_default_corpus(cached)
    return cached


class _Uniforms:
    """Uniform doubles in [0, 1) from a numpy Generator, drawn in blocks for speed."""

    BLOCK = 1 << 16

    def __init__(self, rng):
        self._rng = rng
        self._buffer = []
        self._next = 0

    def __call__(self):
        if self._next == len(self._buffer):
            self._buffer = self._rng.random(self.BLOCK).tolist()
            self._next = 0
        self._next += 1
        return self._buffer[self._next - 1]


class _Table:
    """Words with Zipf-Mandelbrot weights 1 / (rank + shift) ** exponent, sampled by bisection."""

    def __init__(self, words, exponent=1.0, shift=2.7):
        self.words = list(words)
        weights = [1.0 / (rank + shift) ** exponent for rank in range(1, len(self.words) + 1)]
        total = sum(weights)
        self.cumulative = list(itertools.accumulate(w / total for w in weights))

    def draw(self, uniform):
        index = bisect.bisect_right(self.cumulative, uniform())
        return self.words[min(index, len(self.words) - 1)]


class _SentenceWriter:
    """The grammar. Each method returns a list of words and consumes uniforms in a fixed order."""

    P_GEOGRAPHY = 0.2  # share of sentences about countries and capitals
    P_SECOND_CLAUSE = 0.6
    P_SECOND_TOPIC = 0.15  # the second clause is about another topic (topic mixtures)
    P_TOPIC_NOUN = 0.8  # a noun slot of a noun-topic sentence takes a topic word
    P_ADJECTIVE = 0.35
    P_ADVERB = 0.15
    P_PREPOSITION_PHRASE = 0.5

    def __init__(self, uniform):
        self.u = uniform
        self.topics = {name: _Table(words.split(), exponent=0.6, shift=3.0)
                       for name, words in TOPICS.items()}
        self.topic_names = list(TOPICS)
        self.determiners = _Table(DETERMINERS, exponent=1.3)
        self.filler_nouns = _Table(FILLER_NOUNS)
        self.filler_adjectives = _Table(FILLER_ADJECTIVES)
        self.verbs = _Table(VERBS)
        self.prepositions = _Table(PREPOSITIONS)
        self.conjunctions = _Table(CONJUNCTIONS)
        self.adverbs = _Table(ADVERBS)
        self.subjects = _Table(SUBJECTS)
        self.nation_words = _Table(NATION_WORDS, exponent=0.5)
        self.city_words = _Table(CITY_WORDS, exponent=0.5)

    def chance(self, probability):
        return self.u() < probability

    def index(self, n):
        return min(int(self.u() * n), n - 1)

    def sentence(self):
        if self.chance(self.P_GEOGRAPHY):
            return self.geography_sentence()
        topic = self.topic_names[self.index(len(self.topic_names))]
        words = self.clause(topic)
        if self.chance(self.P_SECOND_CLAUSE):
            if self.chance(self.P_SECOND_TOPIC):
                topic = self.topic_names[self.index(len(self.topic_names))]
            words += [self.conjunctions.draw(self.u)] + self.clause(topic)
        return words

    def clause(self, topic):
        words = self.noun_phrase(topic) if self.chance(0.7) else [self.subjects.draw(self.u)]
        if self.chance(self.P_ADVERB):
            words.append(self.adverbs.draw(self.u))
        words += [self.verbs.draw(self.u)] + self.noun_phrase(topic)
        if self.chance(self.P_PREPOSITION_PHRASE):
            words += [self.prepositions.draw(self.u)] + self.noun_phrase(topic)
        return words

    def noun_phrase(self, topic):
        words = [self.determiners.draw(self.u)]
        if topic in ADJECTIVE_TOPICS:
            if self.chance(0.85):
                words.append(self.topics[topic].draw(self.u))
            return words + [self.filler_nouns.draw(self.u)]
        if self.chance(self.P_ADJECTIVE):
            words.append(self.filler_adjectives.draw(self.u))
        noun_table = self.topics[topic] if self.chance(self.P_TOPIC_NOUN) else self.filler_nouns
        return words + [noun_table.draw(self.u)]

    def geography_sentence(self):
        country, capital, language = GEOGRAPHY[self.index(len(GEOGRAPHY))]
        if self.chance(0.5):
            place, role_words = country, self.nation_words
        else:
            place, role_words = capital, self.city_words
        words = ["the", role_words.draw(self.u), "of", place, self.verbs.draw(self.u)]
        words += ["the", role_words.draw(self.u)]
        if self.chance(0.8):
            words += [self.conjunctions.draw(self.u), "people", "there", "speak", language]
        elif self.chance(0.5):
            words += [self.prepositions.draw(self.u), "the", role_words.draw(self.u)]
        return words
