"""The reference for benchmark 1: llama-cpp-python called directly, nothing else.

Reads prompts already rendered (the exact text tokdrift sends) with their JSON
schema and sampling settings, loads the model, runs every prompt in order with
the same grammar and settings, and writes the answers. No DSPy, no tokdrift.

    python benchmarks/plain_llama.py PROMPTS.json ANSWERS.json
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    from llama_cpp import Llama, LlamaGrammar

    with open(sys.argv[1]) as handle:
        job = json.load(handle)
    llama = Llama(
        model_path=job["model_path"],
        n_ctx=job["n_ctx"],
        n_threads=os.cpu_count() or 1,
        seed=job["seed"],
        verbose=False,
    )
    grammars: dict[str, LlamaGrammar] = {}
    answers = []
    for call in job["calls"]:
        schema = call["schema"]
        if schema not in grammars:
            grammars[schema] = LlamaGrammar.from_json_schema(schema, verbose=False)
        result = llama.create_completion(
            prompt=call["prompt"],
            grammar=grammars[schema],
            temperature=call["temperature"],
            max_tokens=call["max_tokens"],
            seed=call["seed"],
            stop=call["stop"],
        )
        answers.append(result["choices"][0]["text"])
    with open(sys.argv[2], "w") as handle:
        json.dump(answers, handle)


if __name__ == "__main__":
    main()
