"""Name normalisation shared by the importers and the commune search."""

import unicodedata

_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def search_key(name: str) -> str:
    """Lower-case ASCII words: "St-Nizier du Moucherotte" -> "saint nizier du moucherotte"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    for sep in "-'’ .,":
        text = text.replace(sep, " ")
    return " ".join(_ABBREVIATIONS.get(word, word) for word in text.split())
