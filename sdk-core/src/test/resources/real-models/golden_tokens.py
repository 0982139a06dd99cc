#!/usr/bin/env python3
"""Writes <model folder>/golden.json for every model folder beside this script.

Each golden.json holds what Hugging Face transformers itself produces for the
tokenizer files in that folder: special tokens and their ids, input_ids for a
fixed list of texts (with and without special tokens) and, where the tokenizer
has a chat template, the rendered chat text and its ids.

Runs offline (HF_HUB_OFFLINE=1 is forced): every model is loaded from its local
folder, nothing is fetched. See README.md beside this script for the command
and the versions used.

Usage:
    python golden_tokens.py                 # writes <folder>/golden.json
    python golden_tokens.py --out-dir DIR   # writes DIR/<folder>.json instead
                                            # (used to compare transformers 4 and 5)
    python golden_tokens.py --compare DIR   # compares DIR/<folder>.json with
                                            # <folder>/golden.json, case by case
"""

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import tokenizers  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

HERE = Path(__file__).resolve().parent

TEXTS = [
    ("plain", "Hello world! The year 2024 has 365 days, and pi is about 3.14159."),
    ("leading_space", " leading space, then  two  spaces and a trailing one "),
    ("newlines", "line one\nline two\n\nline four\r\nwindows line\tafter a tab\n"),
    ("unicode_emoji", "Unicode: café naïve Straße Ελληνικά 東京 한국어 🤖🚀 👍🏽 and ∑∞"),
    ("code", "def add(a, b):\n    \"\"\"Sum.\"\"\"\n    return a + b  # plus\n\nprint(add(1, 2))\n"),
    ("special_literals", "Literal markers: <s> </s> <unk> <|im_start|> <|im_end|> <|endoftext|>"),
    ("empty", ""),
]

SYSTEM = "You are a concise assistant."
CONVERSATIONS = [
    ("a_user", [
        {"role": "user", "content": "What is the capital of France?"},
    ]),
    ("b_system_user", [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Name three primary colours."},
    ]),
    ("c_multi_turn", [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "2 + 2 = 4."},
        {"role": "user", "content": "And times 3?"},
    ]),
]


def flat_ids(value):
    """apply_chat_template/tokenizer output as one flat list of ints."""
    if hasattr(value, "keys") and "input_ids" in value.keys():
        value = value["input_ids"]
    if hasattr(value, "tolist"):
        value = value.tolist()
    value = list(value)
    if len(value) == 1 and isinstance(value[0], (list, tuple)):
        value = list(value[0])
    if not all(isinstance(x, int) for x in value):
        raise TypeError(f"not a flat list of ints: {value!r}")
    return value


def token_and_id(tok, name):
    token = getattr(tok, name, None)
    if token is not None and not isinstance(token, str):
        token = str(token)
    token_id = getattr(tok, name + "_id", None)
    return token, token_id


def chat_template_info(tok, folder):
    template = getattr(tok, "chat_template", None)
    if not template:
        return None, None
    if isinstance(template, dict):
        raise ValueError(f"{folder.name}: named chat templates are not handled")
    source = "chat_template.jinja" if (folder / "chat_template.jinja").is_file() else "tokenizer_config.json"
    return template, source


def golden_for(folder):
    tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    out = {
        "model_folder": folder.name,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "tokenizer_class": type(tok).__name__,
    }
    for name in ("bos_token", "eos_token", "pad_token", "unk_token"):
        token, token_id = token_and_id(tok, name)
        out[name] = token
        out[name + "_id"] = token_id
    for flag in ("add_bos_token", "add_eos_token"):
        if hasattr(tok, flag) and getattr(tok, flag) is not None:
            out[flag] = bool(getattr(tok, flag))
    out["texts"] = []
    for case, text in TEXTS:
        ids = flat_ids(tok(text)["input_ids"])
        ids_plain = flat_ids(tok(text, add_special_tokens=False)["input_ids"])
        out["texts"].append({
            "case": case,
            "text": text,
            "ids": ids,
            "ids_no_special": ids_plain,
            "tokens_no_special": tok.convert_ids_to_tokens(ids_plain),
        })
    template, source = chat_template_info(tok, folder)
    if template is not None:
        out["chat_template_source"] = source
        out["chat_template_sha256"] = hashlib.sha256(template.encode("utf-8")).hexdigest()
        chats = []
        for case, messages in CONVERSATIONS:
            prompts = [True, False] if case == "a_user" else [True]
            for add_generation_prompt in prompts:
                text = tok.apply_chat_template(
                    messages, add_generation_prompt=add_generation_prompt, tokenize=False)
                ids = flat_ids(tok.apply_chat_template(
                    messages, add_generation_prompt=add_generation_prompt, tokenize=True))
                chats.append({
                    "case": case,
                    "messages": messages,
                    "add_generation_prompt": add_generation_prompt,
                    "text": text,
                    "ids": ids,
                    # what the plain tokenizer gives for the rendered text, for comparison
                    "ids_of_text_no_special": flat_ids(tok(text, add_special_tokens=False)["input_ids"]),
                })
        out["chat"] = chats
    return out


def dumps(obj):
    """JSON with lists of numbers (and of short strings) kept on one line."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    return re.sub(
        r"\[\s*((?:-?\d+,\s*)*-?\d+)\s*\]",
        lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
        text) + "\n"


def model_folders():
    return sorted(p for p in HERE.iterdir() if p.is_dir() and (p / "tokenizer_config.json").is_file())


def compare(other_dir):
    differences = 0
    for folder in model_folders():
        mine = json.loads((folder / "golden.json").read_text(encoding="utf-8"))
        theirs_path = Path(other_dir) / f"{folder.name}.json"
        if not theirs_path.is_file():
            print(f"{folder.name}: no {theirs_path}")
            differences += 1
            continue
        theirs = json.loads(theirs_path.read_text(encoding="utf-8"))
        label = f"{folder.name} ({mine['transformers']} vs {theirs['transformers']})"
        for key in ("tokenizer_class", "bos_token", "bos_token_id", "eos_token", "eos_token_id",
                    "pad_token", "pad_token_id", "unk_token", "unk_token_id",
                    "add_bos_token", "add_eos_token", "chat_template_sha256"):
            if mine.get(key) != theirs.get(key):
                print(f"{label}: {key}: {mine.get(key)!r} vs {theirs.get(key)!r}")
                differences += 1
        for a, b in zip(mine["texts"], theirs["texts"]):
            for key in ("ids", "ids_no_special"):
                if a[key] != b[key]:
                    print(f"{label}: text {a['case']} {key}: {a[key]} vs {b[key]}")
                    differences += 1
        for a, b in zip(mine.get("chat", []), theirs.get("chat", [])):
            for key in ("text", "ids"):
                if a[key] != b[key]:
                    print(f"{label}: chat {a['case']} gen={a['add_generation_prompt']} {key}: "
                          f"{a[key]!r} vs {b[key]!r}")
                    differences += 1
        if len(mine.get("chat", [])) != len(theirs.get("chat", [])):
            print(f"{label}: chat cases {len(mine.get('chat', []))} vs {len(theirs.get('chat', []))}")
            differences += 1
    print(f"{differences} difference(s)")
    return differences


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", help="write DIR/<folder>.json instead of <folder>/golden.json")
    parser.add_argument("--compare", metavar="DIR", help="compare DIR/<folder>.json with <folder>/golden.json")
    args = parser.parse_args()
    if args.compare:
        sys.exit(1 if compare(args.compare) else 0)
    for folder in model_folders():
        golden = golden_for(folder)
        if args.out_dir:
            target = Path(args.out_dir) / f"{folder.name}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
        else:
            target = folder / "golden.json"
        target.write_text(dumps(golden), encoding="utf-8")
        print(f"{folder.name}: {golden['tokenizer_class']}, {len(golden['texts'])} texts, "
              f"{len(golden.get('chat', []))} chat cases -> {target}")


if __name__ == "__main__":
    main()
