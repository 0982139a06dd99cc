"""Loads a chat-vector merge that cpt4j wrote (ChatVectorFixture) in transformers and prompts it.

Usage: python3 check_chat_vector.py DIR   (DIR = ChatVectorFixture's out directory)
Prints the model class, config.json's and generation_config.json's eos ids, the ids of
apply_chat_template([user], add_generation_prompt=True) and three greedily generated tokens.
"""
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

d = sys.argv[1]
model = AutoModelForCausalLM.from_pretrained(d)
tokenizer = AutoTokenizer.from_pretrained(d)
ids = tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], add_generation_prompt=True, tokenize=True)
ids = ids["input_ids"] if hasattr(ids, "keys") else ids
print("transformers", transformers.__version__, type(model).__name__, "eos", model.config.eos_token_id,
      model.generation_config.eos_token_id)
print("prompt ids", ids)
out = model.generate(torch.tensor([ids]), max_new_tokens=3, do_sample=False)
print("generated", out[0, len(ids):].tolist())
