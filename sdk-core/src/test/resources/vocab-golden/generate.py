"""Golden files for VocabularyExtensionGoldenTest: vocabulary extension re-implemented independently
on HF `tokenizers` (its own normalizer, pre-tokenizer and BPE model give the words and their base
tokenization; a naive recount-every-step merge loop learns the new merges), and the ids HF assigns
to sample texts with the base tokenizer and with the extended tokenizer.json this script builds.

Run from this directory with tokenizers 0.23.2:  python generate.py  (writes golden.json)
"""
import json
import re

from tokenizers import Tokenizer

MODELS = "../real-models"
CASES = [
    ("qwen-code", "qwen2.5-0.5b-instruct", "code-corpus.txt", 30),
    ("qwen3-code", "qwen3-0.6b", "code-corpus.txt", 12),
    ("mistral-pt", "mistral-7b-v0.1", "portuguese-corpus.txt", 30),
]
MIN_FREQUENCY = 2
SAMPLES = [
    "public Optional<Order> findOrderById(String orderId) {",
    "for (OrderListener listener : orderListeners) { ordersById.put(order.orderId(), order); }",
    "The customer repository saves every order listener and counts the orders.",
    "Não há informação sobre a comunicação da administração.",
    "The weather was pleasant, and we walked along the river until sunset.",
    "naïve café — 日本語 🙂\n\tindented  two  spaces",
    "<|im_start|>user\nOrderListener<|im_end|><|endoftext|></s>",
]
SPACE = "\u2581"


def utf16(s):  # Java's String.compareTo order
    return s.encode("utf-16-be")


def words(tok, spec, text):
    """Pre-tokenized words in the model's alphabet, as the base tokenizer splits them."""
    normalized = tok.normalizer.normalize_str(text) if tok.normalizer else text
    if tok.pre_tokenizer is not None:
        return [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(normalized)]
    # SentencePiece-style (no pre-tokenizer): cut before each run of the space symbol after another char
    return [w for w in re.split("(?<=[^" + SPACE + "])(?=" + SPACE + ")", normalized) if w]


def extend(spec, corpus, n):
    tok = Tokenizer.from_str(json.dumps(spec))
    vocab = dict(spec["model"]["vocab"])
    strings = {i: t for t, i in vocab.items()}
    for a in spec["added_tokens"]:
        strings[a["id"]] = a["content"]
    known = set(strings.values())
    byte_fallback = spec["model"].get("byte_fallback", False)
    unk = spec["model"].get("unk_token")
    as_strings = isinstance(spec["model"]["merges"][0], str)

    def mergeable(i):
        if i >= len(vocab) + len(spec["added_tokens"]) or i not in strings or strings[i] not in vocab:
            return i in new_ids
        t = strings[i]
        return not (byte_fallback and re.fullmatch("<0x[0-9A-F]{2}>", t)) and t != unk and not (as_strings and " " in t)

    counts = {}
    for w in words(tok, spec, corpus):
        counts[w] = counts.get(w, 0) + 1
    seqs = [[t.id for t in tok.model.tokenize(w)] for w in counts]
    freq = list(counts.values())
    next_id = max(strings) + 1
    new_ids, merges, tokens = set(), [], []
    while len(tokens) < n:
        pairs = {}
        for s, f in zip(seqs, freq):
            for a, b in zip(s, s[1:]):
                if mergeable(a) and mergeable(b) and strings[a] + strings[b] not in known:
                    pairs[(a, b)] = pairs.get((a, b), 0) + f
        if not pairs:
            break
        (a, b), c = min(pairs.items(), key=lambda kv: (-kv[1], utf16(strings[kv[0][0]]), utf16(strings[kv[0][1]])))
        if c < MIN_FREQUENCY:
            break
        t = strings[a] + strings[b]
        strings[next_id], known = t, known | {t}
        new_ids.add(next_id)
        merges.append([strings[a], strings[b]])
        tokens.append({"id": next_id, "token": t, "count": c})
        for k, s in enumerate(seqs):
            out, i = [], 0
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(next_id)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[k] = out
        next_id += 1
    grown = json.loads(json.dumps(spec))
    for a in spec["added_tokens"]:  # else HF renumbers the added tokens to follow the model's vocabulary
        grown["model"]["vocab"].setdefault(a["content"], a["id"])
    for t in tokens:
        grown["model"]["vocab"][t["token"]] = t["id"]
    for m in merges:
        grown["model"]["merges"].append(" ".join(m) if as_strings else m)
    return tok, Tokenizer.from_str(json.dumps(grown)), merges, tokens


def main():
    golden = {}
    for name, model, corpus_file, n in CASES:
        spec = json.load(open(f"{MODELS}/{model}/tokenizer.json", encoding="utf-8"))
        corpus = open(corpus_file, encoding="utf-8").read()
        base, grown, merges, tokens = extend(spec, corpus, n)
        texts = SAMPLES + [corpus]
        golden[name] = {
            "model": model, "corpus": corpus_file, "add": n, "minFrequency": MIN_FREQUENCY,
            "merges": merges, "tokens": tokens,
            "addedTokenIds": {a["content"]: grown.token_to_id(a["content"]) for a in spec["added_tokens"]},
            "samples": [{"text": t, "base": base.encode(t, add_special_tokens=False).ids,
                         "extended": grown.encode(t, add_special_tokens=False).ids} for t in texts],
        }
    with open("golden.json", "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
