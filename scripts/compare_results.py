#!/usr/bin/python3
"""Compare every dataset of two opsim HDF5 results bit for bit (attributes such as the command
line may differ). Exit 0 when identical, 1 otherwise, listing what differs."""
import sys

import h5py
import numpy as np


def datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return found


def main(a, b):
    left, right = datasets(a), datasets(b)
    differences = sorted(set(left) ^ set(right))
    for name in sorted(set(left) & set(right)):
        x, y = np.asarray(left[name]), np.asarray(right[name])
        same = x.shape == y.shape and (x.tobytes() == y.tobytes() if x.dtype.kind == "f" else np.array_equal(x, y))
        if not same:
            differences.append(name)
    for name in differences:
        print(f"differs: {name}")
    print(f"{len(left)} datasets compared, {len(differences)} differ")
    return 1 if differences else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: compare_results.py A.h5 B.h5")
    sys.exit(main(sys.argv[1], sys.argv[2]))
