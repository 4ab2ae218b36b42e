#!/usr/bin/python3
"""Regenerates the .npy fixtures of tests/io/tst_npy.cpp.

Run with Debian's numpy (the byte-identity tests compare against numpy's own writer, whose header layout
changed in numpy 1.23: it now leaves room for the leading dimension to grow):

    /usr/bin/python3 tests/data/npy/make_fixtures.py

Good files are written with numpy itself; the bad ones are written by hand here, because numpy refuses to
produce them. Values are chosen to be exact in float32 so the tests can compare with ==.
"""

import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = b"\x93NUMPY"


def path(name):
    return os.path.join(HERE, name)


def save(name, array, **kwargs):
    np.save(path(name), array, **kwargs)


def write_version(name, array, version):
    with open(path(name), "wb") as f:
        np.lib.format.write_array(f, array, version=version)


def raw(name, header, data=b"", version=(1, 0), pad=True):
    """A .npy file with a hand-written header (padded like numpy unless pad is False)."""
    header = header.encode("latin1")
    length_format = "<H" if version[0] == 1 else "<I"
    prefix = len(MAGIC) + 2 + struct.calcsize(length_format)
    if pad:
        total = prefix + len(header) + 1
        header += b" " * ((64 - total % 64) % 64) + b"\n"
    with open(path(name), "wb") as f:
        f.write(MAGIC + bytes(version) + struct.pack(length_format, len(header)) + header + data)


def main():
    f4 = np.array([[0.0, 1.5, -2.25], [1024.0, -0.125, 3.0e-8]], dtype=np.float32)

    # --- one small file per dtype (values are exact in float32) -------------------------------------
    save("f4_2x3.npy", f4)
    save("f8_3.npy", np.array([0.5, -1.75, 65504.0], dtype=np.float64))
    save("f2_4.npy", np.array([0.5, -2.0, 65504.0, 5.960464477539063e-08], dtype=np.float16))
    save("i1_3.npy", np.array([-128, 0, 127], dtype=np.int8))
    save("u1_2x3.npy", np.array([[0, 1, 255], [7, 128, 2]], dtype=np.uint8))
    save("i2_3.npy", np.array([-32768, 5, 32767], dtype=np.int16))
    save("u2_3.npy", np.array([0, 5, 65535], dtype=np.uint16))
    save("i4_2x2.npy", np.array([[-7, 0], [16777216, -16777216]], dtype=np.int32))
    save("u4_2.npy", np.array([0, 16777216], dtype=np.uint32))
    save("i8_4.npy", np.array([-3, 0, 3, 16777215], dtype=np.int64))
    save("u8_2.npy", np.array([0, 9], dtype=np.uint64))
    save("b1_2x3.npy", np.array([[True, False, True], [False, False, True]]))
    save("scalar_f8.npy", np.float64(2.5))
    save("empty_0x3.npy", np.zeros((0, 3), dtype=np.float32))

    # --- byte order, memory order, format versions -------------------------------------------------
    save("f4_be_2x3.npy", f4.astype(">f4"))
    save("f8_be_3.npy", np.array([0.5, -1.75, 65504.0], dtype=">f8"))
    save("i8_be_4.npy", np.array([-3, 0, 3, 16777215], dtype=">i8"))
    save("i2_be_3.npy", np.array([-32768, 5, 32767], dtype=">i2"))
    f4_3d = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5
    save("f4_fortran_2x3x4.npy", np.asfortranarray(f4_3d))
    save("f8_be_fortran_2x3.npy", np.asfortranarray(f4.astype(">f8")))
    write_version("f4_v2_2x3.npy", f4, (2, 0))
    write_version("f4_v3_2x3.npy", f4, (3, 0))

    # Hand-written but valid headers: keys reordered, double quotes, odd spacing, trailing commas,
    # Python 2 longs, no padding.
    data23 = f4.tobytes()
    raw("header_reordered.npy", "{\"shape\":(2,3,),'fortran_order' :False,  \"descr\":'<f4' ,}", data23)
    raw("header_py2_long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", data23)
    raw("header_unpadded.npy", "{'descr':'<f4','fortran_order':False,'shape':(2,3)}\n", data23, pad=False)
    raw("bad_header_extra_key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': [1, (2,)]}",
        data23)
    with open(path("trailing_bytes.npy"), "wb") as f:
        np.lib.format.write_array(f, f4)
        f.write(b"GARBAGE AFTER THE DATA")

    # --- values toTensor/toMask must refuse --------------------------------------------------------
    save("i8_beyond_2p24.npy", np.array([1, 16777217], dtype=np.int64))
    save("f8_out_of_range.npy", np.array([1.0, 1e300], dtype=np.float64))

    # --- masks --------------------------------------------------------------------------------------
    mask = np.array([[True, True, False, False], [True, False, True, False]])
    save("mask_b1_2x4.npy", mask)
    save("mask_i4_2x4.npy", np.array([[1, 2, 0, 0], [-1, 0, 1, 0]], dtype=np.int32))
    save("mask_u1_2x4.npy", mask.astype(np.uint8))
    save("mask_f4_2x4.npy", mask.astype(np.float32))
    save("mask_f8_half.npy", np.array([[1.0, 0.5]], dtype=np.float64))
    save("mask_rank3.npy", np.ones((2, 3, 4), dtype=np.bool_))
    save("mask_rank1.npy", np.ones((5,), dtype=np.bool_))

    # --- numpy's own output for the writer byte-identity tests -------------------------------------
    save("numpy_f4_2x3.npy", f4)
    save("numpy_f4_5.npy", np.array([1, 2, 3, 4, 5], dtype=np.float32))
    save("numpy_f4_scalar.npy", np.float32(-4.5))
    save("numpy_f4_0x3.npy", np.zeros((0, 3), dtype=np.float32))
    save("numpy_f4_1000x2.npy", (np.arange(2000, dtype=np.float32) * 0.25).reshape(1000, 2))
    save("numpy_f4_1x2x3x4x5x6.npy", np.arange(720, dtype=np.float32).reshape(1, 2, 3, 4, 5, 6))
    save("numpy_b1_2x3.npy", np.array([[True, False, True], [False, False, True]]))
    save("numpy_u1_2x3.npy", np.array([[0, 1, 255], [7, 128, 2]], dtype=np.uint8))
    save("numpy_i4_2x3.npy", np.array([[-7, 0, 1], [2147483647, -2147483648, 5]], dtype=np.int32))
    save("numpy_f8_3.npy", np.array([0.5, -1.75, 1e300], dtype=np.float64))
    save("numpy_i8_2.npy", np.array([-(2**62), 2**62], dtype=np.int64))

    # --- files readNpy must refuse ------------------------------------------------------------------
    with open(path("bad_magic.npy"), "wb") as f:
        f.write(b"PK\x03\x04 this is a zip, not an npy file")
    with open(path("bad_text.npy"), "w") as f:
        f.write("1.0,2.0,3.0\n")
    open(path("bad_empty.npy"), "wb").close()
    with open(path("bad_short_magic.npy"), "wb") as f:
        f.write(b"\x93NUM")
    with open(path("bad_version.npy"), "wb") as f:
        np.lib.format.write_array(f, f4)
    with open(path("bad_version.npy"), "r+b") as f:
        f.seek(6)
        f.write(bytes([4, 0]))
    big = np.arange(1000, dtype=np.float32)
    with open(path("bad_truncated.npy"), "wb") as f:
        np.lib.format.write_array(f, big)
    with open(path("bad_truncated.npy"), "r+b") as f:
        f.truncate(128 + 120)  # header is 128 bytes; 120 of 4000 data bytes remain
    with open(path("bad_truncated_header.npy"), "wb") as f:
        np.lib.format.write_array(f, big)
    with open(path("bad_truncated_header.npy"), "r+b") as f:
        f.truncate(40)
    raw("bad_header_syntax.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3 }", data23)
    raw("bad_header_unterminated.npy", "{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3), }", data23)
    raw("bad_header_no_shape.npy", "{'descr': '<f4', 'fortran_order': False, }", data23)
    raw("bad_header_not_dict.npy", "['descr', '<f4']", data23)
    raw("bad_header_shape_int.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", data23)
    raw("bad_header_negative.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }", data23)
    raw("bad_header_fortran_str.npy", "{'descr': '<f4', 'fortran_order': 'no', 'shape': (2, 3), }", data23)
    raw("bad_header_float_dim.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3), }", data23)
    raw("bad_header_deep.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': " + "(" * 100 +
        ")" * 100 + "}", data23)
    raw("bad_header_huge_int.npy",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 3), }", data23)
    with open(path("bad_header_length.npy"), "wb") as f:
        f.write(MAGIC + bytes([2, 0]) + struct.pack("<I", 0xFFFFFFF0) + b"{'descr': '<f4'}")
    save("bad_complex64.npy", np.array([1 + 2j, 3 - 4j], dtype=np.complex64))
    save("bad_complex128.npy", np.array([1 + 2j], dtype=np.complex128))
    save("bad_object.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
    save("bad_unicode.npy", np.array(["ab", "c"]))
    save("bad_structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
    save("bad_datetime.npy", np.array(["2020-01-01"], dtype="datetime64[D]"))
    raw("bad_absurd_shape.npy",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (1 << 40, 1 << 40), b"\0" * 16)
    raw("bad_huge_shape.npy",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (1 << 20, 1 << 20), b"\0" * 16)
    return 0


if __name__ == "__main__":
    sys.exit(main())
