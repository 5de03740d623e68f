"""Words as the tagger and the knowledge-base search compare them.

One normalisation for both, so that a word means the same thing to each: lower case,
accents dropped, split on anything that is not a letter or a digit, British spellings
folded to American ones (quantisation = quantization, modelling = modeling), a light
suffix stemmer (quantized = quantization = quantize, caching = cache), and the synonym
table of the taxonomy (KV cache = key-value cache, 4-bit = int4), which turns each
phrase of a synonym group into one concept token.

The HTML report's knowledge-base search runs the same steps in the browser
(`templates/kb_search.js`); `tests/test_textnorm.py` checks the two agree word for word,
so any change here must be made there too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no topic in a question put to the knowledge base: function words, and
# the words a question uses to point at studies rather than at what they do.
STOP_WORDS = _wordset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours
    paper papers study studies work works approach approaches method methods
    show shows find list give using use used via without many much whose
    """
)

# British spellings that no suffix rule below covers.
BRITISH = {
    "behaviour": "behavior",
    "behaviours": "behaviors",
    "colour": "color",
    "favour": "favor",
    "favours": "favors",
    "flavour": "flavor",
    "honour": "honor",
    "labour": "labor",
    "neighbour": "neighbor",
    "neighbours": "neighbors",
    "neighbourhood": "neighborhood",
    "endeavour": "endeavor",
    "vapour": "vapor",
    "centre": "center",
    "centres": "centers",
    "metre": "meter",
    "metres": "meters",
    "fibre": "fiber",
    "litre": "liter",
    "programme": "program",
    "programmes": "programs",
    "catalogue": "catalog",
    "analogue": "analog",
    "dialogue": "dialog",
    "grey": "gray",
    "defence": "defense",
    "licence": "license",
    "offence": "offense",
    "modelling": "modeling",
    "modelled": "modeled",
    "modeller": "modeler",
    "labelling": "labeling",
    "labelled": "labeled",
    "signalling": "signaling",
    "signalled": "signaled",
    "travelling": "traveling",
    "travelled": "traveled",
    "tunnelling": "tunneling",
    "levelling": "leveling",
    "levelled": "leveled",
    "cancelling": "canceling",
    "cancelled": "canceled",
    "channelling": "channeling",
    "channelled": "channeled",
    "funnelling": "funneling",
    "fuelling": "fueling",
    "fuelled": "fueled",
}
# Words ending in -ise (-ised, -ising) that are spelled so in American English too.
ISE_WORDS = _wordset(
    """
    advise advertise arise chastise circumcise comprise compromise concise demise despise
    devise disguise enterprise excise exercise expertise franchise guise improvise incise
    merchandise noise otherwise likewise clockwise pairwise stepwise elementwise rowwise
    layerwise blockwise channelwise tokenwise pointwise wise paradise poise praise precise
    premise promise raise reprise revise rise sunrise supervise surmise surprise televise
    treatise vise cruise bruise anise mortise tortoise porpoise denoise
    """
)
_ISE = re.compile(r"^(\w{2,}?)is(e|es|ed|ing|er|ers|ation|ations|ational)$")
_YSE = re.compile(r"^(\w+?[a-z])ys(e|es|ed|ing|er|ers)$")


def fold_spelling(word: str) -> str:
    """A lower-case word in its American spelling (quantisation -> quantization)."""
    if word in BRITISH:
        return BRITISH[word]
    m = _ISE.match(word)
    if m and (m.group(1) + "ise") not in ISE_WORDS and not m.group(1).endswith("w"):
        return m.group(1) + "iz" + m.group(2)
    m = _YSE.match(word)
    if m and m.group(1).endswith(("al", "ar", "ol")):  # analyse, paralyse, catalyse
        return m.group(1) + "yz" + m.group(2)
    return word


_VOWELS = frozenset("aeiouy")


def stem(word: str) -> str:
    """A light suffix stemmer: plural, -ing, -ed, -ization and a final -e removed."""
    word = fold_spelling(word)
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ization", "izing", "ized", "izer", "ize"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + "iz"
    for suffix, shortest in (("ing", 3), ("ed", 4)):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= shortest and any(c in _VOWELS for c in base):
            word = _undouble(base)
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _undouble(base: str) -> str:
    """planning -> plan, batching -> batch; but filling, passing keep their double letter."""
    if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz" + "aeiou":
        return base[:-1]
    return base


def words(text: str | None) -> list[str]:
    """Lower-case words and numbers of a text, accents dropped."""
    if not text:
        return []
    text = unicodedata.normalize("NFKD", text.lower())
    text = re.sub("[\u0300-\u036f]", "", text)
    return [w for w in re.split(r"[^0-9a-z]+", text) if w]


def stems(text: str | None) -> list[str]:
    """The stemmed words of a text, stop words left out."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


@dataclass(frozen=True)
class Synonyms:
    """Groups of phrases that mean one thing; each group becomes one concept token."""

    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()  # per group, each phrase's stems

    @classmethod
    def from_phrases(cls, groups: Iterable[Sequence[str]]) -> Synonyms:
        built = []
        for group in groups:
            phrases = tuple(dict.fromkeys(tuple(stems(p)) for p in group if stems(p)))
            if phrases:
                built.append(phrases)
        return cls(tuple(built))

    def concept(self, index: int) -> str:
        """The token standing for group `index`: its first phrase, words joined by '_'."""
        return "_".join(self.groups[index][0])

    def _phrases(self) -> list[tuple[tuple[str, ...], int]]:
        """(phrase, group) pairs, the longest phrase first, so it wins over its parts."""
        pairs = [(p, i) for i, g in enumerate(self.groups) for p in g]
        return sorted(pairs, key=lambda x: (-len(x[0]), x[1], x[0]))

    def matches(self, tokens: Sequence[str]) -> list[tuple[int, int, int]]:
        """(start, end, group) of every synonym phrase in `tokens`, longest first, no overlap."""
        taken = [False] * len(tokens)
        found = []
        for phrase, group in self._phrases():
            n = len(phrase)
            for start in range(len(tokens) - n + 1):
                if tuple(tokens[start : start + n]) == phrase and not any(taken[start : start + n]):
                    found.append((start, start + n, group))
                    for k in range(start, start + n):
                        taken[k] = True
        return sorted(found)

    def expand(self, tokens: Sequence[str]) -> list[str]:
        """The tokens of a document with the concept token of each synonym phrase added."""
        return [*tokens, *(self.concept(g) for _, _, g in self.matches(tokens))]

    def concepts(self, tokens: Sequence[str]) -> list[str]:
        """The tokens of a query with each synonym phrase replaced by its concept token."""
        out: list[str] = []
        i = 0
        spans = {start: (end, g) for start, end, g in self.matches(tokens)}
        while i < len(tokens):
            if i in spans:
                end, g = spans[i]
                out.append(self.concept(g))
                i = end
            else:
                out.append(tokens[i])
                i += 1
        return out
