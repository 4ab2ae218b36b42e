#!/usr/bin/python3
"""Regenerates the binary and generated fixtures of tests/io/tst_sequence_readers.cpp.

Run with Debian's h5py and numpy (python3-h5py, python3-numpy):

    /usr/bin/python3 tests/data/sequences/make_fixtures.py

The CSV, text and vocabulary fixtures next to this script are written by hand and committed as they are.
Values are chosen to be exact in float32 so the tests can compare with ==.
"""

import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def write_hdf5():
    with h5py.File(path("sequences.h5"), "w") as f:
        # float64 [2, 3, 2] in nested groups: the common case, data saved from numpy as float64.
        f.create_dataset("group/sub/x", data=np.arange(12, dtype=np.float64).reshape(2, 3, 2) * 0.5 - 1.0)
        # int32 [2, 4]: token ids for an Embedding model.
        f.create_dataset("ids", data=np.array([[0, 0, 3, 1], [2, 5, 4, 11]], dtype=np.int32))
        # A dataset whose name holds ':' (as Keras weight names do): the spec splits at the file, not the last ':'.
        f.create_dataset("lstm/kernel:0", data=np.array([[[1.5, -2.0], [0.25, 8.0]]], dtype=np.float32))
        f.create_dataset("rank1", data=np.array([1, 2, 3, 4, 5], dtype=np.float32))
        f.create_dataset("names", data=np.array([["a", "b"], ["c", "d"]], dtype=h5py.string_dtype()))
        f.create_dataset("big", data=np.array([[1, 2**24 + 1]], dtype=np.int64))
        f.create_dataset("huge", data=np.array([[1.0, 1e300]], dtype=np.float64))
        f.create_group("empty_group")


def write_tokenizer():
    # What keras.preprocessing.text.Tokenizer(lower=True).to_json() writes after fit_on_texts(["the cat sat",
    # "the dog"]): its dictionaries are stored as JSON strings inside the config.
    word_index = {"the": 1, "cat": 2, "sat": 3, "dog": 4}
    config = {
        "num_words": None,
        "filters": "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n",
        "lower": True,
        "split": " ",
        "char_level": False,
        "oov_token": None,
        "document_count": 2,
        "word_counts": json.dumps({"the": 2, "cat": 1, "sat": 1, "dog": 1}),
        "word_docs": json.dumps({"the": 2, "cat": 1, "sat": 1, "dog": 1}),
        "index_docs": json.dumps({"1": 2, "2": 1, "3": 1, "4": 1}),
        "index_word": json.dumps({str(v): k for k, v in word_index.items()}),
        "word_index": json.dumps(word_index),
    }
    with open(path("tokenizer.json"), "w") as f:
        json.dump({"class_name": "Tokenizer", "config": config}, f)


if __name__ == "__main__":
    write_hdf5()
    write_tokenizer()
