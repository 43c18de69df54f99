"""The seeded random generators the demo draws from.

Every choice comes from a generator named by what it decides (``order`` and
the order's index, ``phone`` and the customer), so order ``DEMO000042`` is
decided by its index alone: a second run draws the same, finds every number
already stored and creates nothing, and a larger ``--orders`` adds only the
missing tail.
"""

import random

SEED = 20240611


def generator(*key: object, seed: object = SEED) -> random.Random:
    # A string seed is hashed with SHA-512, so the stream is the same in
    # every process (unlike hash()), which is what makes reruns idempotent.
    return random.Random(":".join(str(k) for k in (seed, *key)))  # noqa: S311 (demo data)
