#!/usr/bin/python3
"""Writes the dense attribute storage fixtures of tests/io/tst_hdf5file.cpp (denseAttributes).

    /usr/bin/python3 tools/make_dense_attribute_fixtures.py [OUT_DIR]   (default: tests/data/io)

Needs h5py (Debian's python3-h5py; 3.7 with HDF5 1.10.8 wrote the committed files), hence /usr/bin/python3.

- dense_attributes.h5: a group `layer` with 12 attributes, so many that HDF5 keeps them in dense storage (HDF5 file
  format spec IV.A.2.v: a fractal heap, III.G, indexed by a version 2 B-tree, III.A.2), among them the variable-length
  string attributes `marker` and `names`, with creation order tracked; and its dataset `kernel` with 9 string
  attributes, also in dense storage. Written with libver='latest' (version 2 object headers), which dense storage
  needs.
- dense_attribute_vlen_huge_length.h5: the same file with the 4-byte length of `marker`'s value set to 0xF0000000.
  HDF5 1.10 allocates that length before reading the value (H5T__conv_vlen): the pre-check in
  core/io/hdf5_object_check.cpp must refuse the file. The direct block's checksum is recomputed, so that HDF5 itself
  would read the block rather than refuse it. Also kept as tests/fuzz/regressions/h5_model/ (copied by hand).

The corrupt value is found by its bytes: the element of a variable-length string is its length (4 bytes), the
address of its global heap collection (8) and an object index (4) (spec VII.B); `marker`'s value has a length no
other attribute has, and lies in the fractal heap's direct block ("FHDB").
"""

import os
import struct
import sys

import h5py
import numpy as np

MARKER = "dense-vlen-marker"  # 17 bytes: the only value of that length in the file
HUGE_LENGTH = 0xF0000000
MASK = 0xFFFFFFFF


def rot(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK


def lookup3(data, initval=0):
    """Bob Jenkins' lookup3 hashlittle, HDF5's metadata checksum (H5_checksum_lookup3)."""
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & MASK
    i = 0
    while length > 12:
        a = (a + int.from_bytes(data[i : i + 4], "little")) & MASK
        b = (b + int.from_bytes(data[i + 4 : i + 8], "little")) & MASK
        c = (c + int.from_bytes(data[i + 8 : i + 12], "little")) & MASK
        a = (a - c) & MASK; a ^= rot(c, 4); c = (c + b) & MASK
        b = (b - a) & MASK; b ^= rot(a, 6); a = (a + c) & MASK
        c = (c - b) & MASK; c ^= rot(b, 8); b = (b + a) & MASK
        a = (a - c) & MASK; a ^= rot(c, 16); c = (c + b) & MASK
        b = (b - a) & MASK; b ^= rot(a, 19); a = (a + c) & MASK
        c = (c - b) & MASK; c ^= rot(b, 4); b = (b + a) & MASK
        length -= 12
        i += 12
    if length == 0:
        return c
    tail = bytes(data[i : i + length]) + bytes(12 - length)
    a = (a + int.from_bytes(tail[0:4], "little")) & MASK
    b = (b + int.from_bytes(tail[4:8], "little")) & MASK
    c = (c + int.from_bytes(tail[8:12], "little")) & MASK
    c ^= b; c = (c - rot(b, 14)) & MASK
    a ^= c; a = (a - rot(c, 11)) & MASK
    b ^= a; b = (b - rot(a, 25)) & MASK
    c ^= b; c = (c - rot(b, 16)) & MASK
    a ^= c; a = (a - rot(c, 4)) & MASK
    b ^= a; b = (b - rot(a, 14)) & MASK
    c ^= b; c = (c - rot(b, 24)) & MASK
    return c


def write_good(path):
    with h5py.File(path, "w", libver="latest") as f:
        f.attrs["keras_version"] = "2.13.1"
        # Creation order tracked and indexed: the attribute info message carries the optional fields too.
        g = f.create_group("layer", track_order=True)
        for i in range(10):
            g.attrs[f"a{i:02d}"] = np.int32(i)
        g.attrs["names"] = ["kernel:0", "bias:0"]
        g.attrs["marker"] = MARKER
        # A dataset's attributes in dense storage too (no creation order).
        d = g.create_dataset("kernel", data=np.arange(6, dtype=np.float32).reshape(2, 3))
        for i in range(9):
            d.attrs[f"d{i}"] = f"value {i}"


def find_all(data, needle):
    at, found = 0, []
    while (at := data.find(needle, at)) >= 0:
        found.append(at)
        at += 1
    return found


def corrupt(good):
    data = bytearray(good)
    # The attribute heap's parameters, from its header (III.G): flags at 9, maximum heap size (bits) at 128.
    # The group's heap: the first one written.
    heap = find_all(data, b"FRHP")[0]
    flags = data[heap + 9]
    offset_bytes = (struct.unpack_from("<H", data, heap + 128)[0] + 7) // 8
    start_block = struct.unpack_from("<Q", data, heap + 112)[0]
    assert struct.unpack_from("<H", data, heap + 140)[0] == 0, "expected a root direct block"
    assert flags & 0x02, "expected checksummed direct blocks"
    block = struct.unpack_from("<Q", data, heap + 132)[0]  # the root direct block's address
    assert data[block : block + 4] == b"FHDB"
    elements = [
        at
        for gcol in find_all(data, b"GCOL\x01")
        for at in find_all(data, struct.pack("<IQ", len(MARKER), gcol))
        if block <= at < block + start_block
    ]
    assert len(elements) == 1, elements
    struct.pack_into("<I", data, elements[0], HUGE_LENGTH)
    # The checksum follows the signature, version, heap header address and block offset; it covers the whole block
    # with itself zeroed (H5HF__cache_dblock_verify_chksum).
    checksum_at = block + 4 + 1 + 8 + offset_bytes
    stored = struct.unpack_from("<I", good, checksum_at)[0]
    original = bytearray(good[block : block + start_block])
    original[checksum_at - block : checksum_at - block + 4] = bytes(4)
    assert lookup3(bytes(original)) == stored, "checksum layout not understood"
    struct.pack_into("<I", data, checksum_at, 0)
    struct.pack_into("<I", data, checksum_at, lookup3(bytes(data[block : block + start_block])))
    return bytes(data)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "data", "io")
    good_path = os.path.join(out, "dense_attributes.h5")
    write_good(good_path)
    with open(good_path, "rb") as f:
        good = f.read()
    bad = corrupt(good)
    with open(os.path.join(out, "dense_attribute_vlen_huge_length.h5"), "wb") as f:
        f.write(bad)
    # h5py reads the good file back; the marker's value is what was written.
    with h5py.File(good_path, "r") as f:
        assert f["layer"].attrs["marker"] == MARKER
    print(f"{good_path}: {len(good)} bytes; corrupt copy beside it")


if __name__ == "__main__":
    main()
