"""The IEEE registry of MAC address blocks: who a MAC's prefix is registered to.

The adapter to the registry as the `netaddr` package ships it (its copy of the IEEE MA-L list,
`oui.txt`, and of the old IAB list, `iab.txt`, updated with its releases). netaddr is imported on
the first lookup, never at start-up: importing it costs ~20 ms and the first lookup ~50 ms more
(it reads the index of the whole registry); later lookups of a new prefix take well under a
millisecond, and each prefix is looked up once per process.

Coverage: MA-L (24-bit OUIs) and the IABs under 00:50:C2 and 40:D8:55. netaddr does not ship the
MA-M (28-bit) and MA-S (36-bit) lists, so a MAC in such a block is reported as registered to
the block's owner in MA-L, "IEEE Registration Authority" (no vendor: no warning, no false alarm).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["registered_org"]

_STORAGE_FORM = re.compile(r"[0-9a-f]{12}")
# MA-L blocks the IEEE split into IABs (an IAB is the OUI plus the next 12 bits).
_IAB_OUIS = frozenset({"0050c2", "40d855"})


def registered_org(mac_value: str) -> str | None:
    """The organisation the IEEE registered `mac_value`'s prefix to; None when nobody.

    `mac_value` is a MAC's storage form, 12 lowercase hex digits (`Mac.value`); anything else is
    a ValueError. Under an IAB block the IAB's organisation is named when netaddr knows it, else
    the block's owner. An OUI registered more than once (two in the whole registry) gives its
    first registration.
    """
    if not _STORAGE_FORM.fullmatch(mac_value):
        raise ValueError(f"{mac_value!r} is not a MAC's storage form (12 lowercase hex digits)")
    oui = mac_value[:6]
    if oui in _IAB_OUIS:
        return _iab_org(mac_value[:9]) or _oui_org(oui)
    return _oui_org(oui)


@lru_cache(maxsize=4096)
def _oui_org(oui: str) -> str | None:
    import netaddr  # lazily: see the module docstring

    try:
        return netaddr.OUI(int(oui, 16)).registration().org.strip() or None
    except netaddr.NotRegisteredError:
        return None


@lru_cache(maxsize=4096)
def _iab_org(iab: str) -> str | None:
    import netaddr

    try:
        return netaddr.IAB(int(iab, 16)).registration().org.strip() or None
    except netaddr.NotRegisteredError:
        return None
